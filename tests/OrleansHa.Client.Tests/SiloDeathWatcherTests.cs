using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Client.Tests;

/// <summary>
/// The client's <see cref="SiloDeathWatcher"/> against a real ZooKeeper server, with rows written by the membership
/// table as silos write them: a watch completes when its silo is declared dead or its row goes, and for no other.
/// </summary>
public sealed class SiloDeathWatcherTests : IAsyncLifetime
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private static int _nextPort;
    private ZooKeeperServerProcess _zooKeeper = null!;
    private SharedZooKeeperClient _session = null!;
    private SharedZooKeeperClient _watcherSession = null!;
    private ZooKeeperMembershipTable _table = null!;
    private SiloDeathWatcher _watcher = null!;

    public async Task InitializeAsync()
    {
        _zooKeeper = await ZooKeeperServerProcess.StartStandaloneAsync();
        var options = new ZooKeeperClusteringOptions { ConnectionString = _zooKeeper.ConnectionString };
        _session = new SharedZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = _zooKeeper.ConnectionString });
        _table = new ZooKeeperMembershipTable(
            _session,
            Options.Create(options),
            Options.Create(new ClusterOptions { ClusterId = "c-" + Guid.NewGuid().ToString("N")[..10], ServiceId = "watcher-tests" }),
            NullLogger<ZooKeeperMembershipTable>.Instance);
        await _table.InitializeMembershipTable(true);

        // Its own session, as a client's would be; a long poll period, so that what the tests see comes from the watch.
        _watcherSession = new SharedZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = _zooKeeper.ConnectionString });
        _watcher = new SiloDeathWatcher(
            _watcherSession,
            _table.MembershipPath,
            TimeSpan.FromMinutes(5),
            NullLogger<SiloDeathWatcher>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _watcher.DisposeAsync();
        await _watcherSession.DisposeAsync();
        await _session.DisposeAsync();
        await _zooKeeper.DisposeAsync();
    }

    [Fact]
    public async Task A_watch_completes_when_its_silo_is_declared_dead_and_no_other_does()
    {
        MembershipEntry doomed = await InsertActiveAsync();
        MembershipEntry survivor = await InsertActiveAsync();
        using SiloDeathWatch watchDoomed = _watcher.Watch(doomed.SiloAddress);
        using SiloDeathWatch watchSurvivor = _watcher.Watch(survivor.SiloAddress);
        await WaitUntilReadAsync();

        await SetStatusAsync(doomed, SiloStatus.Dead);

        await watchDoomed.Dead.WaitAsync(Soon);
        Assert.False(watchSurvivor.IsDead, "a silo still Active was reported dead");
    }

    [Fact]
    public async Task A_silo_whose_gateway_leaves_the_list_is_lost_to_its_watches_and_fires_the_gateway_loss_once()
    {
        MembershipEntry cut = await InsertActiveAsync();
        MembershipEntry other = await InsertActiveAsync();
        using SiloDeathWatch watchCut = _watcher.Watch(cut.SiloAddress);
        using SiloDeathWatch watchOther = _watcher.Watch(other.SiloAddress);
        await WaitUntilReadAsync();
        Task loss = _watcher.NextGatewayLoss;

        _watcher.ReportGatewaysLost([cut.SiloAddress]);

        await watchCut.Dead.WaitAsync(Soon);
        await loss.WaitAsync(Soon);
        Assert.False(watchOther.IsDead, "a silo still in reach was reported lost");
        Assert.False(_watcher.NextGatewayLoss.IsCompleted, "the next gateway loss fired before any happened");
    }

    [Fact]
    public async Task Suspicion_and_shutting_down_are_not_death()
    {
        MembershipEntry silo = await InsertActiveAsync();
        using SiloDeathWatch watch = _watcher.Watch(silo.SiloAddress);
        await WaitUntilReadAsync();

        (MembershipEntry entry, string etag) = await ReadAsync(silo.SiloAddress);
        entry.SuspectTimes = [Tuple.Create(NewSilo(), DateTime.UtcNow)];
        Assert.True(await _table.UpdateRow(entry, etag, (await _table.ReadAll()).Version.Next()));
        await SetStatusAsync(silo, SiloStatus.ShuttingDown);

        // Each change fired the watch and was read; none completed it.
        MembershipEntry other = await InsertActiveAsync();
        using SiloDeathWatch probe = _watcher.Watch(other.SiloAddress);
        await SetStatusAsync(other, SiloStatus.Dead);
        await probe.Dead.WaitAsync(Soon);
        Assert.False(watch.IsDead);
    }

    [Fact]
    public async Task A_silo_whose_row_is_gone_counts_as_dead()
    {
        MembershipEntry silo = await InsertActiveAsync();
        using SiloDeathWatch watch = _watcher.Watch(silo.SiloAddress);
        await WaitUntilReadAsync();

        (MembershipEntry entry, string etag) = await ReadAsync(silo.SiloAddress);
        entry.Status = SiloStatus.Dead;
        Assert.True(await _table.UpdateRow(entry, etag, (await _table.ReadAll()).Version.Next()));
        await _table.CleanupDefunctSiloEntries(DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.DoesNotContain((await _table.ReadAll()).Members, m => m.Item1.SiloAddress.Equals(silo.SiloAddress));

        await watch.Dead.WaitAsync(Soon);

        // And a silo never in the table (a row deleted before it was watched) completes at once.
        using SiloDeathWatch unknown = _watcher.Watch(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 9), 9));
        await unknown.Dead.WaitAsync(Soon);
    }

    [Fact]
    public async Task A_silo_already_dead_completes_its_watch_as_soon_as_it_is_read()
    {
        MembershipEntry silo = await InsertActiveAsync();
        await SetStatusAsync(silo, SiloStatus.Dead);

        using SiloDeathWatch watch = _watcher.Watch(silo.SiloAddress);

        await watch.Dead.WaitAsync(Soon);
    }

    [Fact]
    public async Task Watches_of_one_silo_share_one_reading_and_one_zookeeper_watch()
    {
        MembershipEntry first = await InsertActiveAsync();
        MembershipEntry second = await InsertActiveAsync();
        SiloDeathWatch a = _watcher.Watch(first.SiloAddress);
        SiloDeathWatch b = _watcher.Watch(first.SiloAddress);
        SiloDeathWatch c = _watcher.Watch(second.SiloAddress);
        Assert.Equal(2, _watcher.WatchedCount);
        await WaitUntilReadAsync();

        // Rounds of changes re-arm the watch on the membership znode; the client keeps it once.
        for (int i = 0; i < 5; i++)
        {
            MembershipEntry other = await InsertActiveAsync();
            using SiloDeathWatch probe = _watcher.Watch(other.SiloAddress);
            await SetStatusAsync(other, SiloStatus.Dead);
            await probe.Dead.WaitAsync(Soon);
        }

        ZooKeeperClient zk = await WatcherSessionAsync();
        Assert.Equal(1, zk.WatchCount);

        a.Dispose();
        Assert.Equal(2, _watcher.WatchedCount);
        b.Dispose();
        b.Dispose();
        Assert.Equal(1, _watcher.WatchedCount);
        await SetStatusAsync(second, SiloStatus.Dead);
        await c.Dead.WaitAsync(Soon);
        c.Dispose();
        Assert.Equal(0, _watcher.WatchedCount);
    }

    [Fact]
    public async Task A_silo_watched_again_before_the_table_changes_is_not_read_again()
    {
        MembershipEntry a = await InsertActiveAsync();
        MembershipEntry b = await InsertActiveAsync();
        MembershipEntry c = await InsertActiveAsync();
        SiloDeathWatch first = _watcher.Watch(a.SiloAddress);
        await Poll.UntilAsync(() => _watcher.RowReads == 1, Soon, "a's row to be read");
        using SiloDeathWatch watchB = _watcher.Watch(b.SiloAddress);
        await Poll.UntilAsync(() => _watcher.RowReads >= 2, Soon, "b's row to be read");

        // Query after query on one coordinator reads nothing: a, done with and watched again (while b keeps the
        // watcher busy), is not read, while c, new to the watcher, is (a round launches all its reads at once, so a
        // read of a would show by then).
        first.Dispose();
        using SiloDeathWatch again = _watcher.Watch(a.SiloAddress);
        using SiloDeathWatch watchC = _watcher.Watch(c.SiloAddress);
        await Poll.UntilAsync(() => _watcher.RowReads >= 3, Soon, "c's row to be read");
        Assert.Equal(3, _watcher.RowReads);

        // Once the table changes, every silo watched is read again.
        await SetStatusAsync(a, SiloStatus.Dead);
        await again.Dead.WaitAsync(Soon);
        Assert.Equal(6, _watcher.RowReads);
        Assert.False(watchB.IsDead || watchC.IsDead);
    }

    /// <summary>A silo address no other test uses.</summary>
    private static SiloAddress NewSilo()
    {
        int n = Interlocked.Increment(ref _nextPort);
        return SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 30_000 + n), 2_000_000 + n);
    }

    private async Task<MembershipEntry> InsertActiveAsync()
    {
        DateTime now = DateTime.UtcNow;
        var entry = new MembershipEntry
        {
            SiloAddress = NewSilo(),
            Status = SiloStatus.Active,
            HostName = "host",
            SiloName = "silo",
            StartTime = now,
            IAmAliveTime = now,
            SuspectTimes = [],
        };
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        return entry;
    }

    private async Task SetStatusAsync(MembershipEntry silo, SiloStatus status)
    {
        (MembershipEntry entry, string etag) = await ReadAsync(silo.SiloAddress);
        entry.Status = status;
        Assert.True(await _table.UpdateRow(entry, etag, (await _table.ReadAll()).Version.Next()));
    }

    private async Task<(MembershipEntry Entry, string ETag)> ReadAsync(SiloAddress silo)
    {
        Tuple<MembershipEntry, string> row = Assert.Single((await _table.ReadRow(silo)).Members);
        return (row.Item1, row.Item2);
    }

    /// <summary>Waits until the watcher has its watch on the membership znode, i.e. has read the rows once.</summary>
    private async Task WaitUntilReadAsync()
    {
        ZooKeeperClient zk = await WatcherSessionAsync();
        await Poll.UntilAsync(() => zk.WatchCount == 1, Soon, "the watcher to watch the membership znode");
    }

    private async Task<ZooKeeperClient> WatcherSessionAsync() => await _watcherSession.GetAsync();
}
