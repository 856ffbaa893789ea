using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>
/// Failover with real node processes, a real ensemble and a real shared paths.db: what operators and users are
/// promised under SIGKILL, SIGSTOP and member loss.
/// </summary>
public sealed class FailoverTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    private const int LostMastershipExitCode = 3;

    [Fact]
    public async Task Sigkill_of_the_master_hands_over_to_a_standby_and_loses_no_acknowledged_write()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);

        await NodeCluster.CreateSpaceAsync(coordinator, "sales");
        for (int i = 0; i < 20; i++)
        {
            await NodeCluster.PutAsync(coordinator, "sales", $"k{i}", $"v{i}");
        }

        DateTimeOffset killedAt = DateTimeOffset.UtcNow;
        await master.KillAsync();

        ClusterView after = await NodeCluster.WaitForMasterAsync(coordinator, not: master.Name, afterEpoch: before.Epoch);
        Assert.Equal(standby.Name, after.Master);
        foreach (NodeProcess survivor in new[] { standby, coordinator })
        {
            await Poll.UntilAsync(async () => await survivor.ServerStatusAsync() == 200, TimeSpan.FromSeconds(30), $"server_status 200 on {survivor.Name}");
        }

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal($"v{i}", await NodeCluster.GetAsync(coordinator, "sales", $"k{i}"));
        }

        // The killed node, restarted, finds the lock held and waits as a standby.
        NodeProcess restarted = await Cluster.StartAsync(master.Name);
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Standbys.Contains(master.Name), TimeSpan.FromSeconds(30), "the restarted node to stand by");
        Assert.Equal(after.Epoch, (await NodeCluster.ViewAsync(restarted)).Epoch);
        Cluster.AssertTenuresNeverOverlap(new Dictionary<long, DateTimeOffset> { [before.Epoch] = killedAt });
    }

    [Fact]
    public async Task A_master_stopped_past_its_session_timeout_fences_itself_on_waking_and_a_standby_takes_over()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        await NodeCluster.CreateSpaceAsync(standby, "s");
        await NodeCluster.PutAsync(standby, "s", "before", "acknowledged");

        master.Pause();
        try
        {
            // The ensemble expires the silent master's session; the standby still waits on the lock it holds.
            await Poll.UntilAsync(async () => await standby.ServerStatusAsync() == 503, TimeSpan.FromSeconds(30), "server_status 503 once the stopped master's session expired");
            Assert.Null((await NodeCluster.ViewAsync(standby)).Master);
        }
        finally
        {
            master.Resume();
        }

        Assert.Equal(LostMastershipExitCode, await master.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(master.Lines, l => l.Contains("FENCED", StringComparison.Ordinal));
        ClusterView after = await NodeCluster.WaitForMasterAsync(standby, afterEpoch: before.Epoch);
        Assert.Equal(standby.Name, after.Master);
        Assert.Equal("acknowledged", await NodeCluster.GetAsync(standby, "s", "before"));
        Cluster.AssertTenuresNeverOverlap();
    }

    [Fact]
    public async Task A_master_that_orleans_declares_dead_exits_and_a_standby_takes_over()
    {
        // A session timeout long enough that Orleans' failure detection (about 2 s here) wins the race.
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync("zk.client.session.timeout=15000");

        master.Pause();
        try
        {
            await Poll.UntilAsync(async () => !(await NodeCluster.ViewAsync(standby)).Nodes.Contains(master.Name), TimeSpan.FromSeconds(30), "Orleans to declare the stopped master dead");
        }
        finally
        {
            master.Resume();
        }

        Assert.Equal(LostMastershipExitCode, await master.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(master.Lines, l => l.Contains("FENCED", StringComparison.Ordinal));
        ClusterView after = await NodeCluster.WaitForMasterAsync(standby, afterEpoch: before.Epoch);
        Assert.Equal(standby.Name, after.Master);
        Cluster.AssertTenuresNeverOverlap();
    }

    [Fact]
    public async Task A_node_whose_paths_db_is_not_the_shared_one_refuses_to_become_master()
    {
        NodeProcess shared = await Cluster.StartAsync("m1");
        ClusterView before = await NodeCluster.WaitForMasterAsync(shared);
        await NodeCluster.CreateSpaceAsync(shared, "kept");
        string ownDb = Path.Combine(Cluster.Root, "not-the-shared-db");
        NodeProcess stray = await Cluster.StartAsync("stray", true, $"paths.db={ownDb}");
        await shared.KillAsync();

        // The stray node gets its own lock at once, but its store is not the cluster's: it must not fork the metadata.
        await Poll.UntilAsync(() => stray.Lines.Any(l => l.Contains("Refusing to become master", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the stray node to refuse");
        Assert.Contains(stray.Lines, l => l.Contains(ownDb, StringComparison.Ordinal));
        await Poll.UntilAsync(async () => await stray.ServerStatusAsync() == 503, TimeSpan.FromSeconds(30), "server_status 503 while no real master is up");
        Assert.Null((await NodeCluster.ViewAsync(stray)).Master);

        NodeProcess back = await Cluster.StartAsync("m1");
        ClusterView after = await NodeCluster.WaitForMasterAsync(stray, afterEpoch: before.Epoch);
        Assert.Equal("m1", after.Master);
        Assert.Contains("kept", await NodeCluster.ListSpacesAsync(back));
    }

    [Fact]
    public async Task The_dashboard_shows_MasterGrain_on_the_active_masters_silo_before_and_after_a_failover()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        await NodeCluster.CreateSpaceAsync(standby, "dash");
        await Poll.UntilAsync(async () => (await NodeCluster.DashboardMasterSilosAsync(standby)).Contains(before.MasterSilo!), TimeSpan.FromSeconds(30), "the dashboard to show MasterGrain on the master's silo");

        await master.KillAsync();
        ClusterView after = await NodeCluster.WaitForMasterAsync(standby, afterEpoch: before.Epoch);
        await NodeCluster.CreateSpaceAsync(standby, "dash-after");
        await Poll.UntilAsync(async () => (await NodeCluster.DashboardMasterSilosAsync(standby)).Contains(after.MasterSilo!), TimeSpan.FromSeconds(30), "the dashboard to show MasterGrain on the new master's silo");
        Assert.NotEqual(before.MasterSilo, after.MasterSilo);
    }

    [Fact]
    public async Task Losing_a_standby_or_one_zookeeper_server_causes_no_failover()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();

        await standby.KillAsync();
        await ZooKeeper.Ensemble.Servers[0].KillAsync();

        // The master keeps serving through both losses, under the same epoch.
        await NodeCluster.CreateSpaceAsync(master, "still");
        for (int i = 0; i < 10; i++)
        {
            await NodeCluster.PutAsync(master, "still", $"k{i}", "v");
            Assert.Equal(before.Epoch, (await NodeCluster.ViewAsync(master)).Epoch);
        }

        await Poll.UntilAsync(async () => !(await NodeCluster.ViewAsync(master)).Standbys.Contains(standby.Name), TimeSpan.FromSeconds(30), "the dead standby to leave the list");
        Assert.Equal(before.Epoch, (await NodeCluster.ViewAsync(master)).Epoch);
        Assert.Equal(200, await master.ServerStatusAsync());
        Assert.False(master.HasExited);
    }
}
