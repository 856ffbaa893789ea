using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>
/// Failover with real node processes, a real ensemble and a real shared paths.db: what operators and users are
/// promised under SIGKILL, SIGSTOP and member loss.
/// </summary>
public sealed class FailoverTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    private const int LostMastershipExitCode = 3;
    private static readonly HttpClient Http = TestCredentials.CreateHttpClient(TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Sigkill_of_the_masters_silo_hands_over_to_a_standby_and_loses_no_acknowledged_write()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);

        await NodeCluster.CreateSpaceAsync(coordinator, "sales");
        for (int i = 0; i < 20; i++)
        {
            await NodeCluster.PutAsync(coordinator, "sales", $"k{i}", $"v{i}");
        }

        int starts = master.SiloStarts;
        DateTimeOffset killedAt = DateTimeOffset.UtcNow;
        await master.KillSiloAsync();

        ClusterView after = await NodeCluster.WaitForMasterAsync(coordinator, not: master.Name, afterEpoch: before.Epoch, within: NodeCluster.TakeoverBound);
        Assert.Equal(standby.Name, after.Master);
        foreach (NodeProcess survivor in new[] { standby, coordinator })
        {
            await Poll.UntilAsync(async () => await survivor.ServerStatusAsync() == 200, NodeCluster.TakeoverBound, $"server_status 200 on {survivor.Name}");
        }

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal($"v{i}", await NodeCluster.GetAsync(coordinator, "sales", $"k{i}"));
        }

        // Its supervisor starts the silo again; it finds the lock held and waits as a standby.
        await master.WaitForSiloRestartAsync(starts, NodeCluster.StartBound);
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Standbys.Contains(master.Name), NodeCluster.StartBound, "the restarted node to stand by");
        Assert.Equal(after.Epoch, (await NodeCluster.ViewAsync(master)).Epoch);
        Cluster.AssertTenuresNeverOverlap(new Dictionary<long, DateTimeOffset> { [before.Epoch] = killedAt });
    }

    [Fact]
    public async Task A_hung_masters_silo_is_killed_by_its_supervisor_and_a_standby_serves_writes_within_the_session_timeout_and_a_second()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);
        List<string> acknowledged = await NodeCluster.PutAcknowledgedAsync(coordinator, "s", 10, "before");

        int starts = master.SiloStarts;
        DateTimeOffset stoppedAt = DateTimeOffset.UtcNow;
        master.PauseSilo();

        // The stopped silo still holds the lock; only its supervisor's SIGKILL frees it.
        DateTimeOffset served = await NodeCluster.PutUntilAcknowledgedAsync(coordinator, "s", "after", "acknowledged", NodeCluster.TakeoverBound + TimeSpan.FromSeconds(5));
        TimeSpan outage = served - stoppedAt;
        Assert.True(
            outage <= NodeCluster.SessionTimeout + TimeSpan.FromSeconds(1),
            $"a new master served writes {outage.TotalMilliseconds:0} ms after the stop; the bound is the session timeout + 1 s ({(NodeCluster.SessionTimeout + TimeSpan.FromSeconds(1)).TotalMilliseconds:0} ms)");
        // The supervisor's line travels through its output pipe and may come a moment after the write is served.
        await Poll.UntilAsync(
            () => master.Lines.Any(l => l.Contains("SUPERVISOR killing silo", StringComparison.Ordinal) && l.Contains("heartbeat stalled", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(5),
            "the supervisor to say it killed the stalled silo");
        ClusterView after = await NodeCluster.ViewAsync(coordinator);
        Assert.Equal(standby.Name, after.Master);
        Assert.Empty(await NodeCluster.LostAsync(coordinator, "s", acknowledged));

        await master.WaitForSiloRestartAsync(starts, NodeCluster.StartBound);
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Standbys.Contains(master.Name), NodeCluster.StartBound, "the restarted silo to stand by");
        Cluster.AssertTenuresNeverOverlap();
    }

    [Fact]
    public async Task A_frozen_host_refuses_on_waking_what_it_was_sent_and_a_standby_takes_over_with_the_data()
    {
        // Supervisor and silo stopped together: on one machine nothing frees the lock (on NFS the server's lease would),
        // so what must hold is that the woken master writes nothing and gives way.
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        await NodeCluster.CreateSpaceAsync(standby, "s");
        await NodeCluster.PutAsync(standby, "s", "before", "acknowledged");
        using (HttpResponseMessage loggedIn = await Http.GetAsync(new Uri($"{standby.WebUrl}/api/v3/catalog/spaces")))
        {
            // Logs this client in to the standby now, so that below it is the write that is refused, not the login.
            loggedIn.EnsureSuccessStatusCode();
        }

        master.Pause();
        Task<HttpStatusCode?> sentWhileFrozen;
        try
        {
            sentWhileFrozen = PutStatusAsync(master, "s", "while-frozen");
            await Poll.UntilAsync(async () => await standby.ServerStatusAsync() == 503, NodeCluster.TakeoverBound, "the frozen master's session to expire");

            // While no master is active a write is refused (once it has waited out a short failover), saying so and when to retry.
            using HttpResponseMessage refused = await Http.PutAsJsonAsync(new Uri($"{standby.WebUrl}/api/v3/catalog/spaces/s/entries/masterless"), new { value = "x" });
            string body = await refused.Content.ReadAsStringAsync();
            Assert.True(
                refused.StatusCode == HttpStatusCode.ServiceUnavailable && refused.Headers.RetryAfter?.Delta == TimeSpan.FromSeconds(1),
                $"a write without a master answered {(int)refused.StatusCode}, Retry-After {refused.Headers.RetryAfter}: {body}");
            using JsonDocument problem = JsonDocument.Parse(body);
            Assert.Contains("master", problem.RootElement.GetProperty("errorMessage").GetString(), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            master.Resume();
        }

        HttpStatusCode? status = await sentWhileFrozen;
        Assert.True(status is null || (int)status >= 500, $"the woken master answered {status} to a write sent while it was frozen");
        ClusterView after = await NodeCluster.WaitForMasterAsync(standby, afterEpoch: before.Epoch, within: NodeCluster.TakeoverBound);
        Assert.Equal(standby.Name, after.Master);
        Assert.Contains(master.Lines, l => l.Contains("FENCED", StringComparison.Ordinal) || l.Contains("SUPERVISOR killing silo", StringComparison.Ordinal));
        Assert.Equal("acknowledged", await NodeCluster.GetAsync(standby, "s", "before"));
        Assert.Null(await NodeCluster.GetAsync(standby, "s", "while-frozen"));
        Assert.Null(await NodeCluster.GetAsync(standby, "s", "masterless"));
        Cluster.AssertTenuresNeverOverlap();
    }

    [Fact]
    public async Task A_master_that_orleans_declares_dead_fences_itself_and_its_supervisor_restarts_it_as_a_standby()
    {
        // A session timeout long enough that Orleans' failure detection (about 2 s here) wins the race.
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync("zk.client.session.timeout=15000");

        int starts = master.SiloStarts;
        master.PauseSilo();
        try
        {
            await Poll.UntilAsync(async () => !(await NodeCluster.ViewAsync(standby)).Nodes.Contains(master.Name), TimeSpan.FromSeconds(30), "Orleans to declare the stopped master dead");
        }
        finally
        {
            master.ResumeSilo();
        }

        await Poll.UntilAsync(() => master.Lines.Any(l => l.Contains("FENCED", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the woken master to fence itself");
        await Poll.UntilAsync(() => master.Lines.Any(l => l.Contains($"exited with code {LostMastershipExitCode}", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the fenced silo to exit with its fencing code");
        ClusterView after = await NodeCluster.WaitForMasterAsync(standby, afterEpoch: before.Epoch, within: NodeCluster.TakeoverBound);
        Assert.Equal(standby.Name, after.Master);
        await master.WaitForSiloRestartAsync(starts, NodeCluster.StartBound);
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

        // The member the master's session is on, so that the session really has to move.
        await using (ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(ZooKeeper.Ensemble.ConnectionString))
        {
            long session = (await zk.ExistsAsync(OrleansHa.Clustering.ZooKeeper.ClusterZnodes.For(Cluster.ClusterId).MasterActive))!.EphemeralOwner;
            ZooKeeperServerProcess? holder = await ZooKeeper.Ensemble.ServerOfSessionAsync(session);
            Assert.NotNull(holder);
            await holder.KillAsync();
        }

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

    /// <summary>The status of a write sent to <paramref name="via"/>, or null when the connection broke before an answer.</summary>
    private static async Task<HttpStatusCode?> PutStatusAsync(NodeProcess via, string space, string key)
    {
        try
        {
            using HttpResponseMessage response = await Http.PutAsJsonAsync(new Uri($"{via.WebUrl}/api/v3/catalog/spaces/{space}/entries/{key}"), new { value = "x" });
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
