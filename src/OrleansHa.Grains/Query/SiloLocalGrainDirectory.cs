using System.Collections.Concurrent;
using Orleans.GrainDirectory;
using Orleans.Runtime;

namespace OrleansHa.Grains.Query;

/// <summary>
/// The grain directory for query and executor grains: each silo keeps the entries of its own activations and no
/// other silo's. A lookup elsewhere finds nothing, so the call goes through placement, which for these grains always
/// names the hosting silo (an executor grain's key is its silo; a query grain lives on the coordinator that took it,
/// or on the one a placement hint names), and the host finds its activation locally.
/// </summary>
/// <remarks>
/// Orleans' default directory spreads entries over all silos. When the silo holding a running query's entry died
/// (often the master, in a failover), the survivors re-registered or deactivated the query's grains, and queries
/// whose coordinator and executor were alive were aborted. With the entry on the host, only the host's death can
/// end its grains.
/// </remarks>
internal sealed class SiloLocalGrainDirectory : IGrainDirectory
{
    /// <summary>The name the grains' <c>[GrainDirectory]</c> attribute refers to.</summary>
    public const string Name = "orleans-ha-silo-local";

    private readonly ConcurrentDictionary<GrainId, GrainAddress> _entries = new();

    public Task<GrainAddress?> Register(GrainAddress address) => Register(address, null);

    public Task<GrainAddress?> Register(GrainAddress address, GrainAddress? previousAddress)
    {
        ArgumentNullException.ThrowIfNull(address);
        GrainAddress winner = _entries.AddOrUpdate(
            address.GrainId,
            address,
            (_, existing) => previousAddress is not null && existing.Matches(previousAddress) ? address : existing);
        return Task.FromResult<GrainAddress?>(winner);
    }

    public Task<GrainAddress?> Lookup(GrainId grainId) =>
        Task.FromResult(_entries.TryGetValue(grainId, out GrainAddress? address) ? address : null);

    public Task Unregister(GrainAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (_entries.TryGetValue(address.GrainId, out GrainAddress? existing) && existing.Matches(address))
        {
            _entries.TryRemove(KeyValuePair.Create(address.GrainId, existing));
        }

        return Task.CompletedTask;
    }

    /// <summary>Nothing to do: entries of other silos are never kept here.</summary>
    public Task UnregisterSilos(List<SiloAddress> siloAddresses) => Task.CompletedTask;
}
