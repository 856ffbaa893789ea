using Apache.Arrow.Flight;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using OrleansHa.Grains.Placement;
using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Flight;

/// <summary>
/// The Flight locations of every live coordinator, this one first: what each endpoint of a FlightInfo lists, so a
/// client whose coordinator is lost reads the same ticket from another. Known from membership (kept in ZooKeeper)
/// and each coordinator's silo metadata (<see cref="SiloRoles.FlightUrlKey"/>), both already on this silo: no call.
/// </summary>
internal sealed class FlightLocations(IClusterMembershipService membership, ISiloMetadataCache metadata, ILocalSiloDetails silo, NodeConfiguration config)
{
    /// <summary>This node's own location, as it publishes it.</summary>
    public static string Of(NodeConfiguration config) => $"grpc+tcp://{config.NodeAddress}:{config.FlightPort}";

    public IReadOnlyList<FlightLocation> Live()
    {
        string own = Of(config);
        IEnumerable<string> others = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(silo.SiloAddress))
            .Select(m => metadata.GetSiloMetadata(m.SiloAddress).Metadata.GetValueOrDefault(SiloRoles.FlightUrlKey))
            .Where(uri => !string.IsNullOrEmpty(uri))
            .Cast<string>()
            .Order(StringComparer.Ordinal);
        return [.. new[] { own }.Concat(others).Distinct(StringComparer.Ordinal).Select(uri => new FlightLocation(uri))];
    }
}
