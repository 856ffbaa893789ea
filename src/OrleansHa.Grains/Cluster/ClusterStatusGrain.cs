using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using OrleansHa.Abstractions;
using OrleansHa.Coordination;
using OrleansHa.Grains.Election;
using OrleansHa.Grains.Placement;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Cluster;

/// <summary>
/// The cluster's status for grain clients. A stateless worker, so it runs on the silo that takes the call (for a grain
/// client, its gateway) and never waits on another node.
/// </summary>
[StatelessWorker]
internal sealed class ClusterStatusGrain(ClusterStatusReader reader) : Grain, IClusterStatusGrain
{
    public Task<ClusterStatus> GetStatusAsync() => reader.ReadAsync(CancellationToken.None);
}

/// <summary>
/// The cluster as this silo sees it: membership, each node's roles from its silo metadata, the active master and
/// the standbys registered in ZooKeeper. The REST API reads it directly (it may answer before the silo takes grain
/// calls); grain clients through <see cref="ClusterStatusGrain"/>.
/// </summary>
public sealed class ClusterStatusReader(
    IClusterMembershipService membership,
    ISiloMetadataCache metadata,
    ActiveMasterFollower masters,
    SharedZooKeeperClient zooKeeper,
    IOptions<ElectionOptions> options)
{
    private readonly string _candidates = options.Value.Znodes.MasterCandidates;

    public async Task<ClusterStatus> ReadAsync(CancellationToken cancellationToken)
    {
        NodeStatus[] nodes =
        [
            .. membership.CurrentSnapshot.Members.Values
                .Where(m => m.Status is not SiloStatus.Dead)
                .Select(m =>
                {
                    IReadOnlyDictionary<string, string> data = metadata.GetSiloMetadata(m.SiloAddress).Metadata;
                    return new NodeStatus(
                        data.GetValueOrDefault(SiloRoles.NodeNameKey) ?? m.Name,
                        m.SiloAddress.ToParsableString(),
                        (data.GetValueOrDefault(SiloRoles.MetadataKey) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                        m.Status.ToString(),
                        data.GetValueOrDefault(SiloRoles.WebUrlKey));
                })
                .OrderBy(n => n.Name, StringComparer.Ordinal),
        ];
        IReadOnlyList<string> standbys = [];
        try
        {
            ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
            standbys = [.. (await zk.GetChildrenAsync(_candidates, cancellationToken: cancellationToken)).Children.Order(StringComparer.Ordinal)];
        }
        catch (NoNodeException)
        {
        }

        return new ClusterStatus(nodes, masters.Current, standbys);
    }
}
