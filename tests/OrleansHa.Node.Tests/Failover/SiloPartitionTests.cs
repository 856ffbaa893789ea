using OrleansHa.Testing;
using Xunit.Abstractions;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>
/// Partitions between silos, each node on a host of its own (a <see cref="NetworkFabric"/>: one network namespace and
/// IP per node, packets between cut hosts dropped silently both ways), while every node still reaches ZooKeeper.
/// </summary>
public sealed class SiloPartitionTests(EnsembleFixture zk, ITestOutputHelper output) : NodeClusterTest(zk)
{
    private const int LostMastershipExitCode = 3;

    /// <summary>
    /// Long enough for the cluster to declare the cut master dead (missed probes at 1 s each, the votes, a table
    /// refresh at 2 s), for it to read that and exit, and for the standby to claim: about 5 s on an idle machine.
    /// </summary>
    private static readonly TimeSpan DeclaredDeadBound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_master_cut_from_the_other_silos_is_declared_dead_fences_itself_and_a_standby_serves_writes_with_nothing_lost()
    {
        await using NetworkFabric fabric = await NetworkFabric.CreateAsync(3);
        await using var zooKeeper = new ZooKeeperProxies(ZooKeeper.Ensemble, fabric.TestAddress);
        string viaFabric = $"zookeeper={zooKeeper.ConnectionString}";
        NodeProcess master = await Cluster.StartOnAsync(fabric.Hosts[0], "m1", true, viaFabric);
        ClusterView before = await NodeCluster.WaitForMasterAsync(master);
        NodeProcess standby = await Cluster.StartOnAsync(fabric.Hosts[1], "m2", true, viaFabric);
        NodeProcess coordinator = await Cluster.StartOnAsync(fabric.Hosts[2], "c1", false, viaFabric);
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Standbys.Contains(standby.Name), NodeCluster.StartBound, "the standby to register");
        List<string> acknowledged = await NodeCluster.PutAcknowledgedAsync(coordinator, "s", 10);

        int starts = master.SiloStarts;
        DateTimeOffset cutAt = DateTimeOffset.UtcNow;
        await fabric.CutAsync(fabric.Hosts[0], fabric.Hosts[1]);
        await fabric.CutAsync(fabric.Hosts[0], fabric.Hosts[2]);

        // Until the cluster declares it dead, the cut master is the only one there can be (it holds the lock) and
        // still acknowledges writes made through it; every one it acknowledges must survive the takeover.
        ClusterView? after = null;
        for (int i = 0; after is null; i++)
        {
            Assert.True(DateTimeOffset.UtcNow - cutAt < DeclaredDeadBound, $"no new master within {DeclaredDeadBound.TotalSeconds:0} s of the cut;\nm1:\n{master.Output}\nm2:\n{standby.Output}");
            if (!master.HasExited && await TryPutAsync(master, $"cut{i}"))
            {
                acknowledged.Add($"cut{i}");
            }

            ClusterView view = await NodeCluster.ViewAsync(coordinator);
            after = view.Master == standby.Name && view.Epoch > before.Epoch ? view : null;
        }

        DateTimeOffset served = await NodeCluster.PutUntilAcknowledgedAsync(coordinator, "s", "after", "acknowledged", NodeCluster.TakeoverBound);
        acknowledged.Add("after");
        output.WriteLine($"cut master replaced, writes served {(served - cutAt).TotalMilliseconds:0} ms after the cut ({acknowledged.Count(k => k.StartsWith("cut", StringComparison.Ordinal))} writes acknowledged by it meanwhile)");

        // It learnt from the membership table that the cluster had declared it dead, and exited with the fencing code.
        await Poll.UntilAsync(() => master.Lines.Any(l => l.Contains($"exited with code {LostMastershipExitCode}", StringComparison.Ordinal)), NodeCluster.TakeoverBound, "the cut master's silo to exit with its fencing code");
        Assert.Contains(master.Lines, l => l.Contains("-> Fenced", StringComparison.Ordinal));
        Assert.Empty(await NodeCluster.LostAsync(coordinator, "s", acknowledged));

        // Healed, the node comes back as a standby of the new master.
        await fabric.HealAsync();
        await master.WaitForSiloRestartAsync(starts, NodeCluster.StartBound);
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Standbys.Contains(master.Name), NodeCluster.StartBound, "the healed node to stand by");
        Assert.Equal(after.Epoch, (await NodeCluster.ViewAsync(coordinator)).Epoch);
        Cluster.AssertTenuresNeverOverlap();
    }

    private static async Task<bool> TryPutAsync(NodeProcess via, string key)
    {
        try
        {
            await NodeCluster.PutAsync(via, "s", key, "acknowledged");
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
