using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using OrleansHa.Abstractions;
using OrleansHa.Coordination;

namespace OrleansHa.Grains.Master;

/// <summary>Places <c>MasterGrain(epoch)</c> on the silo that holds that epoch, and nowhere else.</summary>
[GenerateSerializer]
[Immutable]
public sealed class MasterPlacementStrategy : PlacementStrategy;

/// <summary>Marks a grain class as placed by <see cref="MasterPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class MasterPlacementAttribute() : PlacementAttribute(new MasterPlacementStrategy());

/// <summary>
/// Reads the master record this node follows (the latch of the epoch's holder published it): the epoch in the grain's key must be the active one, and its silo
/// must be alive in Orleans' view. Otherwise the call fails fast with <see cref="NoActiveMasterException"/>.
/// </summary>
internal sealed class MasterPlacementDirector(ActiveMasterFollower masters) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        long epoch = target.GrainIdentity.GetIntegerKey();
        MasterInfo? active = masters.Current;
        if (active is null || active.Epoch != epoch)
        {
            throw new NoActiveMasterException(active is null
                ? $"No active master: cannot place the master of epoch {epoch}; a failover is in progress, retry shortly."
                : $"Epoch {epoch} is not the active master's (epoch {active.Epoch} on {active.NodeName}): call MasterGrain({active.Epoch}).");
        }

        SiloAddress? holder = context.GetCompatibleSilos(target).FirstOrDefault(s => s.ToParsableString() == active.SiloAddress);
        return holder is not null
            ? Task.FromResult(holder)
            : throw new NoActiveMasterException($"The master of epoch {epoch} ({active.NodeName}, {active.SiloAddress}) is not an active silo yet; retry shortly.");
    }
}
