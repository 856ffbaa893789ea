using OrleansHa.Grains.Election;
using OrleansHa.Node.Configuration;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Security;

/// <summary>
/// <c>--migrate-zookeeper-acls</c>: sets the ACL <see cref="Clustering.ZooKeeper.ClusterAcls"/> gives every existing
/// znode of the cluster, for a tree made before the cluster had an identity, then exits. An explicit step, run once
/// with every node stopped, rather than something a node does by itself at start: a node that rewrote ACLs whenever it
/// found them open would also "repair" a tree an attacker had opened, and would hide that it happened.
/// </summary>
internal static class ZooKeeperAclMigration
{
    public const string Switch = "--migrate-zookeeper-acls";

    public static async Task<int> RunAsync(NodeConfiguration config)
    {
        try
        {
            // The local cluster's ZooKeeper is the first master's; with every node stopped it must be started for this.
            await EmbeddedZooKeeper.EnsureRunningAsync(config, CancellationToken.None);
            await using ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
            {
                ConnectionString = config.ZooKeeper,
                SessionTimeout = config.SessionTimeout,
                Identity = config.ZooKeeperIdentity,
            });
            int changed = await config.Acls!.MigrateAsync(zk);
            await config.Acls.CheckAsync(zk);
            await Console.Out.WriteLineAsync($"orleans-ha-node: set the ACLs of {changed} znode(s) under {config.Znodes.Root} for the identity '{config.ZooKeeperIdentity!.User}'");
            return 0;
        }
        catch (ConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"orleans-ha-node: {ex.Message}");
            return ExitCodes.StartupFailed;
        }
        catch (Exception ex) when (StartupFailure.Describe(ex, config) is { } message)
        {
            await Console.Error.WriteLineAsync($"orleans-ha-node: {message}");
            return ExitCodes.StartupFailed;
        }
    }
}
