using Orleans.Runtime;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper.ClusterTests;

/// <summary>Reads the membership rows straight from ZooKeeper, as an operator would, to check what silos wrote.</summary>
internal static class MembershipRows
{
    public static async Task<Dictionary<string, SiloStatus>> ReadAsync(ZooKeeperClient zk, string clusterId)
    {
        string membership = ClusterZnodes.For(clusterId).Membership;
        var rows = new Dictionary<string, SiloStatus>(StringComparer.Ordinal);
        foreach (string name in (await zk.GetChildrenAsync(membership)).Children)
        {
            string path = ZooKeeperPath.Combine(membership, name);
            rows[name] = MembershipRowSerializer.Deserialize((await zk.GetDataAsync(path)).Data, path).Status;
        }

        return rows;
    }
}
