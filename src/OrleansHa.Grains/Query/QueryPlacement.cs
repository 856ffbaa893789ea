using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Query;

/// <summary>
/// Places a query grain on the coordinator a placement hint names (<see cref="QueryPlacementHints.RequestContextKey"/>,
/// for reaching a running job from another coordinator), else on the coordinator that took the call, else on any
/// coordinator. Role filtering (<c>[RolePlacement]</c>) still applies.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed class QueryPlacementStrategy : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class QueryPlacementAttribute() : PlacementAttribute(new QueryPlacementStrategy());

internal sealed class QueryPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        SiloAddress[] compatible = context.GetCompatibleSilos(target);
        if (compatible.Length == 0)
        {
            throw new OrleansException("No coordinator is active to run the query.");
        }

        if (target.RequestContextData?.TryGetValue(QueryPlacementHints.RequestContextKey, out object? hint) == true && hint is string named)
        {
            // A call to a running job must reach the coordinator running it: an activation anywhere else would be a
            // new, empty job grain that no later call could find.
            return compatible.FirstOrDefault(s => s.ToParsableString() == named) is { } hinted
                ? Task.FromResult(hinted)
                : throw new SiloUnavailableException($"The job's coordinator {named} is not an active coordinator; the job ends INTERRUPTED.");
        }

#pragma warning disable CA5394 // Spreading load needs no cryptographic randomness.
        return Task.FromResult(compatible.Contains(context.LocalSilo) ? context.LocalSilo : compatible[Random.Shared.Next(compatible.Length)]);
#pragma warning restore CA5394
    }
}
