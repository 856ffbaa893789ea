using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>
/// Network partitions between one node and ZooKeeper, made with a blackholing proxy in front of every member (the
/// node's connections go silent; nothing is reset), while the rest of the cluster still reaches everything.
/// </summary>
public sealed class PartitionTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    private const int LostMastershipExitCode = 3;

    [Fact]
    public async Task A_master_cut_from_zookeeper_fences_itself_and_a_standby_serves_writes_within_the_session_timeout_and_a_second()
    {
        await using var proxies = new ZooKeeperProxies(ZooKeeper.Ensemble);
        NodeProcess master = await Cluster.StartAsync("m1", true, $"zookeeper={proxies.ConnectionString}");
        ClusterView before = await NodeCluster.WaitForMasterAsync(master);
        NodeProcess standby = await Cluster.StartAsync("m2");
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Standbys.Contains(standby.Name), NodeCluster.StartBound, "the standby to register");
        List<string> acknowledged = await NodeCluster.PutAcknowledgedAsync(coordinator, "s", 10);

        int starts = master.SiloStarts;
        DateTimeOffset cutAt = DateTimeOffset.UtcNow;
        proxies.Blackhole();

        // The cut master may still acknowledge writes until it misses ZooKeeper (its session cannot have expired
        // yet); what is measured is the first write the new master acknowledges.
        ClusterView after = await NodeCluster.WaitForMasterAsync(coordinator, not: master.Name, afterEpoch: before.Epoch, within: NodeCluster.TakeoverBound);
        DateTimeOffset served = await NodeCluster.PutUntilAcknowledgedAsync(coordinator, "s", "after", "acknowledged", NodeCluster.TakeoverBound);
        Assert.Equal(standby.Name, after.Master);
        Assert.Equal(after.Epoch, (await NodeCluster.ViewAsync(coordinator)).Epoch);
        TimeSpan outage = served - cutAt;
        TimeSpan bound = NodeCluster.SessionTimeout + TimeSpan.FromSeconds(1);
        Assert.True(outage <= bound, $"the new master served writes {outage.TotalMilliseconds:0} ms after the cut; the bound is {bound.TotalMilliseconds:0} ms");

        // It fenced itself on its own count of the session timeout, not because anyone told it, and exited with the fencing code.
        Assert.Contains(master.Lines, l => l.Contains("-> Fenced", StringComparison.Ordinal) && l.Contains("session", StringComparison.Ordinal));
        await Poll.UntilAsync(() => master.Lines.Any(l => l.Contains($"exited with code {LostMastershipExitCode}", StringComparison.Ordinal)), NodeCluster.TakeoverBound, "the cut master's silo to exit with its fencing code");
        Assert.Empty(await NodeCluster.LostAsync(coordinator, "s", acknowledged));

        // Healed, the node comes back as a standby of the new master.
        proxies.Restore();
        await master.WaitForSiloRestartAsync(starts, NodeCluster.StartBound);
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Standbys.Contains(master.Name), NodeCluster.StartBound, "the healed node to stand by");
        Cluster.AssertTenuresNeverOverlap();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_standby_or_a_coordinator_cut_from_zookeeper_causes_no_failover_and_queries_go_on(bool standbyCut)
    {
        await using var proxies = new ZooKeeperProxies(ZooKeeper.Ensemble);
        NodeProcess master = await Cluster.StartAsync("m1");
        ClusterView before = await NodeCluster.WaitForMasterAsync(master);
        NodeProcess cut = await Cluster.StartAsync(standbyCut ? "m2" : "c2", master: standbyCut, $"zookeeper={proxies.ConnectionString}");
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);
        await NodeCluster.CreateSpaceAsync(coordinator, "s");
        await NodeCluster.PutAsync(coordinator, "s", "before", "acknowledged");

        proxies.Blackhole();

        // Well past the session timeout of the cut node, the master and the other coordinator serve on, under the same epoch.
        DateTimeOffset until = DateTimeOffset.UtcNow + NodeCluster.TakeoverBound;
        int i = 0;
        while (DateTimeOffset.UtcNow < until)
        {
            await NodeCluster.PutAsync(coordinator, "s", $"k{i}", "acknowledged");
            Assert.Equal((before.Master, before.Epoch), ((await NodeCluster.ViewAsync(coordinator)).Master, (await NodeCluster.ViewAsync(coordinator)).Epoch));
            Assert.Equal(1, await NodeCluster.SqlScalarAsync(coordinator, "SELECT 1"));
            i++;
        }

        Assert.DoesNotContain(master.Lines, l => l.Contains("-> Fenced", StringComparison.Ordinal));
        proxies.Restore();
        for (int k = 0; k < i; k++)
        {
            Assert.Equal("acknowledged", await NodeCluster.GetAsync(master, "s", $"k{k}"));
        }

        Assert.Equal(before.Epoch, (await NodeCluster.ViewAsync(master)).Epoch);
        Cluster.AssertTenuresNeverOverlap();
    }
}
