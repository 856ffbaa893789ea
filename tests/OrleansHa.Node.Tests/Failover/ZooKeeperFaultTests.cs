using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>
/// The ensemble itself failing under a running cluster: all of it down past the session timeout, its leader killed in
/// the middle of a takeover, the member the master's session is on stopped. Each ends with one master serving writes
/// and nothing acknowledged lost.
/// </summary>
public sealed class ZooKeeperFaultTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    /// <summary>The promised bound after the ensemble is back: the session timeout + 5 s.</summary>
    private static readonly TimeSpan AfterEnsembleBackBound = NodeCluster.SessionTimeout + TimeSpan.FromSeconds(5);

    [Fact]
    public async Task The_whole_ensemble_down_past_the_session_timeout_then_back_ends_with_one_master_serving_writes_and_nothing_lost()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);
        List<string> acknowledged = await NodeCluster.PutAcknowledgedAsync(coordinator, "s", 10);

        foreach (ZooKeeperServerProcess server in ZooKeeper.Ensemble.Servers)
        {
            await server.KillAsync();
        }

        // The master cannot know whether its session still lives: it must fence itself once it may have expired.
        await Poll.UntilAsync(() => master.Lines.Any(l => l.Contains("-> Fenced", StringComparison.Ordinal)), NodeCluster.TakeoverBound, "the master to fence itself while ZooKeeper is away");

        // Past the session timeout for every node: the standby's and the coordinator's sessions are gone too.
        try
        {
            await Poll.UntilAsync(() => standby.Lines.Any(l => l.Contains("-> Claiming", StringComparison.Ordinal)), NodeCluster.TakeoverBound, "the standby to get the lock the fenced master freed");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n--- {master.Name} ---\n{master.Output}\n--- {standby.Name} ---\n{standby.Output}", ex);
        }
        await ZooKeeper.HealAsync();
        DateTimeOffset back = DateTimeOffset.UtcNow;

        DateTimeOffset served = await NodeCluster.PutUntilAcknowledgedAsync(coordinator, "s", "after", "acknowledged", AfterEnsembleBackBound + TimeSpan.FromSeconds(10));
        TimeSpan outage = served - back;
        Assert.True(outage <= AfterEnsembleBackBound, $"a master served writes {outage.TotalMilliseconds:0} ms after the ensemble was back; the bound is {AfterEnsembleBackBound.TotalMilliseconds:0} ms");

        // A standby holds nothing and must not fence itself for a lost session (Druid #13167 left no master at all).
        Assert.DoesNotContain(standby.Lines, l => l.Contains("-> Fenced", StringComparison.Ordinal));
        ClusterView after = await NodeCluster.WaitForMasterAsync(coordinator, afterEpoch: before.Epoch, within: NodeCluster.TakeoverBound);
        Assert.Equal(standby.Name, after.Master);
        Assert.Empty(await NodeCluster.LostAsync(coordinator, "s", acknowledged));

        // The fenced master's supervisor brings it back; every node then agrees on the one master.
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Standbys.Contains(master.Name), NodeCluster.StartBound, "the fenced master to come back as a standby");
        foreach (NodeProcess node in new[] { master, standby, coordinator })
        {
            await Poll.UntilAsync(
                async () => await node.ServerStatusAsync() == 200 && await NodeCluster.ViewAsync(node) is { } view && (view.Master, view.Epoch) == (after.Master, after.Epoch),
                NodeCluster.StartBound,
                $"{node.Name} to name {after.Master} at epoch {after.Epoch} as the one master");
        }

        Cluster.AssertTenuresNeverOverlap();
    }

    [Fact]
    public async Task The_zookeeper_leader_killed_during_a_takeover_still_ends_with_the_standby_serving_writes()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);
        await NodeCluster.CreateSpaceAsync(coordinator, "s");
        await NodeCluster.PutAsync(coordinator, "s", "before", "acknowledged");
        ZooKeeperServerProcess leader = await ZooKeeper.Ensemble.FindLeaderAsync() ?? throw new InvalidOperationException("The ensemble has no leader.");

        DateTimeOffset killedAt = DateTimeOffset.UtcNow;
        await master.KillSiloAsync();
        await leader.KillAsync();

        // The claim's writes need a quorum with a leader: they are retried until the ensemble has elected one.
        await NodeCluster.PutUntilAcknowledgedAsync(coordinator, "s", "after", "acknowledged", NodeCluster.TakeoverBound + TimeSpan.FromSeconds(10));
        ClusterView after = await NodeCluster.ViewAsync(coordinator);
        Assert.Equal(standby.Name, after.Master);
        Assert.True(after.Epoch > before.Epoch, $"epoch {after.Epoch} after {before.Epoch}");
        Assert.NotEqual(leader, await ZooKeeper.Ensemble.FindLeaderAsync());
        Assert.Equal("acknowledged", await NodeCluster.GetAsync(coordinator, "s", "before"));
        Cluster.AssertTenuresNeverOverlap(new Dictionary<long, DateTimeOffset> { [before.Epoch] = killedAt });
    }

    [Fact]
    public async Task The_zookeeper_member_the_masters_session_is_on_stopped_moves_the_session_without_a_failover()
    {
        (NodeProcess master, _, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        await NodeCluster.CreateSpaceAsync(master, "s");
        long session;
        ZooKeeperServerProcess holder;
        await using (ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(ZooKeeper.Ensemble.ConnectionString))
        {
            session = (await zk.ExistsAsync(ClusterZnodes.For(Cluster.ClusterId).MasterActive))!.EphemeralOwner;
            holder = await ZooKeeper.Ensemble.ServerOfSessionAsync(session) ?? throw new InvalidOperationException("No member holds the master's session.");
        }

        // A stopped member answers nothing and closes nothing: the client must notice the silence and move in time.
        holder.Pause();
        try
        {
            await Poll.UntilAsync(
                async () => await ZooKeeper.Ensemble.ServerOfSessionAsync(session) is { } now && now != holder,
                NodeCluster.SessionTimeout,
                "the master's session to move to another member");
            await NodeCluster.PutUntilAcknowledgedAsync(master, "s", "during", "acknowledged", NodeCluster.SessionTimeout);
        }
        finally
        {
            holder.Resume();
        }

        ClusterView after = await NodeCluster.ViewAsync(master);
        Assert.Equal((before.Master, before.Epoch), (after.Master, after.Epoch));
        Assert.DoesNotContain(master.Lines, l => l.Contains("-> Fenced", StringComparison.Ordinal));
        Assert.Equal("acknowledged", await NodeCluster.GetAsync(master, "s", "during"));
    }
}
