using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace OrleansHa.Node.Security;

/// <summary>A coordinator's copy of the revoked tokens, for the coordinator that revokes one to tell it directly. The key is the silo's address.</summary>
internal interface ITokenRevocationGrain : IGrainWithStringKey
{
    /// <summary>Takes the revocation named <paramref name="revocation"/> (<see cref="Revocation.Name"/>).</summary>
    Task ApplyAsync(string revocation);
}

/// <summary>Lives on the silo its key names.</summary>
[SiloKeyedPlacement]
internal sealed class TokenRevocationGrain(TokenRevocations revocations) : Grain, ITokenRevocationGrain
{
    public Task ApplyAsync(string revocation)
    {
        if (Revocation.Parse(revocation) is { } parsed)
        {
            revocations.Apply(parsed);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Places a grain on the silo its key names (a parsable silo address).</summary>
[GenerateSerializer]
[Immutable]
internal sealed class SiloKeyedPlacementStrategy : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class SiloKeyedPlacementAttribute() : PlacementAttribute(new SiloKeyedPlacementStrategy());

internal sealed class SiloKeyedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        return context.GetCompatibleSilos(target).FirstOrDefault(s => s.ToParsableString() == key) is { } silo
            ? Task.FromResult(silo)
            : throw new SiloUnavailableException($"Silo {key} is not an active member of the cluster.");
    }
}
