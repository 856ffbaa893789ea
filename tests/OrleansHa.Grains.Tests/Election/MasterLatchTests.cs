using OrleansHa.Abstractions;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Coordination;
using OrleansHa.Grains.Election;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Tests.Election;

/// <summary>One real ZooKeeper server for the class.</summary>
public sealed class LatchZooKeeper : IAsyncLifetime
{
    public ZooKeeperServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ZooKeeperServerProcess.StartStandaloneAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The master latch in process, each transition driven by its own fault against a real ZooKeeper and a real shared
/// drive: session lost, lock lost, a newer epoch in the store or in <c>master/active</c>, ZooKeeper away while claiming.
/// </summary>
public sealed class MasterLatchTests(LatchZooKeeper zk) : IClassFixture<LatchZooKeeper>, IAsyncLifetime
{
    private readonly ClusterZnodes _znodes = ClusterZnodes.For("latch-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _pathsDb = Path.Combine(Path.GetTempPath(), "orleansha-latch", Guid.NewGuid().ToString("N"));
    private readonly List<LatchHarness> _latches = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (LatchHarness latch in _latches)
        {
            await latch.DisposeAsync();
        }

        if (Directory.Exists(_pathsDb))
        {
            Directory.Delete(_pathsDb, recursive: true);
        }
    }

    [Fact]
    public async Task A_lone_candidate_waits_claims_and_becomes_active_publishing_its_record()
    {
        LatchHarness first = await StartAsync("n1");
        await first.WaitForAsync(MasterStanding.Active);

        Assert.Equal([MasterStanding.Waiting, MasterStanding.Claiming, MasterStanding.Active], first.Standings);
        long epoch = first.Latch.ActiveEpoch!.Value;
        await Poll.UntilAsync(() => first.Follower.Current?.Epoch == epoch, TimeSpan.FromSeconds(10), "the record to be published");
        Assert.Equal("n1", first.Follower.Current!.NodeName);
        Assert.Null(first.Latch.ProveStanding());
        Assert.True(first.Latch.Act(epoch, store => store.CatalogVersion()) >= 1);
    }

    [Fact]
    public async Task A_node_that_may_not_be_master_never_stands()
    {
        LatchHarness other = await StartAsync("n1", eligible: false);
        await other.WaitForAsync(MasterStanding.Ineligible);
        Assert.Throws<NoActiveMasterException>(() => other.Latch.Act(1, store => store.Epoch));
    }

    [Fact]
    public async Task A_standby_takes_over_with_a_higher_epoch_when_the_master_steps_down()
    {
        LatchHarness first = await StartAsync("n1");
        await first.WaitForAsync(MasterStanding.Active);
        long epoch = first.Latch.ActiveEpoch!.Value;
        first.Latch.Act(epoch, store => { store.CreateSpace("kept"); return true; });
        LatchHarness second = await StartAsync("n2");
        await second.WaitForAsync(MasterStanding.Waiting);

        await first.StopAsync();

        await second.WaitForAsync(MasterStanding.Active);
        Assert.Equal(MasterStanding.Closed, first.Latch.Standing);
        long next = second.Latch.ActiveEpoch!.Value;
        Assert.True(next > epoch, $"epoch {next} after {epoch}");
        Assert.Contains("kept", second.Latch.Act(next, store => store.ListSpaces()));
        Assert.False(first.Fencing.Fenced.IsCompleted);
    }

    [Fact]
    public async Task Losing_its_session_fences_the_master_and_a_standby_takes_over()
    {
        LatchHarness first = await StartAsync("n1");
        await first.WaitForAsync(MasterStanding.Active);
        long epoch = first.Latch.ActiveEpoch!.Value;
        LatchHarness second = await StartAsync("n2");
        await second.WaitForAsync(MasterStanding.Waiting);

        first.Proxy.Blackhole();

        string reason = await first.Fencing.Fenced.WaitAsync(LatchHarness.SessionTimeout * 3);
        Assert.Contains("session", reason, StringComparison.Ordinal);
        Assert.Equal(MasterStanding.Fenced, first.Latch.Standing);
        Assert.Throws<NoActiveMasterException>(() => first.Latch.Act(epoch, store => store.Epoch));
        await second.WaitForAsync(MasterStanding.Active);
        Assert.True(second.Latch.ActiveEpoch > epoch);
    }

    [Fact]
    public async Task Losing_the_lock_fences_the_master()
    {
        LatchHarness first = await StartAsync("n1");
        await first.WaitForAsync(MasterStanding.Active);

        // An operator (or a broken mount) replaces the lock file: the held lock is on an orphan now.
        string lockFile = Path.Combine(_pathsDb, "master.lock");
        File.Move(lockFile, lockFile + ".moved");
        await File.WriteAllTextAsync(lockFile, string.Empty);

        string reason = await first.Fencing.Fenced.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("lock", reason, StringComparison.Ordinal);
        Assert.NotNull(first.Latch.ProveStanding());
    }

    [Fact]
    public async Task A_newer_epoch_in_the_store_fences_the_master_at_its_next_write()
    {
        LatchHarness first = await StartAsync("n1");
        await first.WaitForAsync(MasterStanding.Active);
        long epoch = first.Latch.ActiveEpoch!.Value;

        first.Latch.Act(epoch, store => { store.RecordEpochForTesting(epoch + 1, "newer"); return true; });

        Assert.Throws<NoActiveMasterException>(() => first.Latch.Act(epoch, store => { store.CreateSpace("late"); return true; }));
        Assert.Contains("newer master", await first.Fencing.Fenced.WaitAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
        Assert.Equal(MasterStanding.Fenced, first.Latch.Standing);
    }

    [Fact]
    public async Task A_later_epoch_in_master_active_fences_the_master()
    {
        LatchHarness first = await StartAsync("n1");
        await first.WaitForAsync(MasterStanding.Active);
        long epoch = first.Latch.ActiveEpoch!.Value;
        await Poll.UntilAsync(() => first.Follower.Current?.Epoch == epoch, TimeSpan.FromSeconds(10), "the record to be seen");

        await using ZooKeeperClient raw = await ZooKeeperClient.ConnectAsync(zk.Server.ConnectionString);
        MasterInfo other = first.Follower.Current! with { Epoch = epoch + 1, NodeName = "impostor" };
        await raw.SetDataAsync(_znodes.MasterActive, ActiveMasterRecord.Serialize(other));

        Assert.Contains("later epoch", await first.Fencing.Fenced.WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_standby_that_loses_its_session_does_not_fence_and_takes_over_later()
    {
        LatchHarness first = await StartAsync("n1");
        await first.WaitForAsync(MasterStanding.Active);
        LatchHarness second = await StartAsync("n2");
        await second.WaitForAsync(MasterStanding.Waiting);
        ZooKeeperClient client = await second.ZooKeeper.GetAsync();
        ZooKeeperSession session = client.Session!;

        second.Proxy.Blackhole();
        await Poll.UntilAsync(() => session.IsLost, LatchHarness.SessionTimeout * 3, "the standby's session to be lost");
        second.Proxy.Restore();
        await Poll.UntilAsync(() => client.State == ZooKeeperState.Connected && client.Session != session, TimeSpan.FromSeconds(20), "a new session");

        Assert.False(second.Fencing.Fenced.IsCompleted);
        Assert.Equal(MasterStanding.Waiting, second.Latch.Standing);
        await first.StopAsync();
        await second.WaitForAsync(MasterStanding.Active);
    }

    [Fact]
    public async Task A_lock_holder_keeps_claiming_while_zookeeper_is_away_and_becomes_active_when_it_is_back()
    {
        LatchHarness first = await StartAsync("n1");
        await first.WaitForAsync(MasterStanding.Active);
        LatchHarness second = await StartAsync("n2");
        await second.WaitForAsync(MasterStanding.Waiting);

        ZooKeeperSession session = (await second.ZooKeeper.GetAsync()).Session!;
        second.Proxy.Blackhole();
        await first.StopAsync();
        await second.WaitForAsync(MasterStanding.Claiming);

        // Past the loss of its session: the claim is retried, never given up.
        await Poll.UntilAsync(() => session.IsLost, LatchHarness.SessionTimeout * 3, "the claimant's session to be lost");
        Assert.Equal(MasterStanding.Claiming, second.Latch.Standing);
        Assert.False(second.Fencing.Fenced.IsCompleted);

        second.Proxy.Restore();
        await second.WaitForAsync(MasterStanding.Active);
        await Poll.UntilAsync(() => second.Follower.Current?.NodeName == "n2", TimeSpan.FromSeconds(10), "the new record");
    }

    private async Task<LatchHarness> StartAsync(string name, bool eligible = true)
    {
        LatchHarness latch = await LatchHarness.StartAsync(name, zk.Server, _znodes, _pathsDb, eligible);
        _latches.Add(latch);
        return latch;
    }
}
