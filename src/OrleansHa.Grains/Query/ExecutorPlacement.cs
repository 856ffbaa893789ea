using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Query;

/// <summary>Places an executor grain on the silo its key names: one executor grain per executor node.</summary>
[GenerateSerializer]
[Immutable]
public sealed class ExecutorPlacementStrategy : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ExecutorPlacementAttribute() : PlacementAttribute(new ExecutorPlacementStrategy());

internal sealed class ExecutorPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString();
        SiloAddress? silo = context.GetCompatibleSilos(target).FirstOrDefault(s => s.ToParsableString() == key);
        return silo is not null
            ? Task.FromResult(silo)
            : throw new NoExecutorException($"Executor {key} is not an active silo any more; run the query again to pick another.");
    }
}
