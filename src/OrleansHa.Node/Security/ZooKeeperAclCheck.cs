using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Node.Configuration;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Security;

/// <summary>
/// Before the silo joins: every existing znode of the cluster carries the ACL <see cref="ClusterAcls"/> gives it, and
/// this node's identity owns them. A tree made without ACLs, or by another identity, stops the start with a
/// <see cref="ClusterAclException"/> that names the znode and what to do. Registered before the silo, so it runs first.
/// </summary>
internal sealed class ZooKeeperAclCheck(SharedZooKeeperClient zooKeeper, NodeConfiguration config) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
        await config.Acls!.CheckAsync(zk, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
