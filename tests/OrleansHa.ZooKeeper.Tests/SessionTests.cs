using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper.Tests.Infrastructure;

namespace OrleansHa.ZooKeeper.Tests;

/// <summary>Session life: ephemeral nodes on close and on expiry, the lost signal, a new session after loss.</summary>
public sealed class SessionTests(StandaloneZooKeeper zk) : IClassFixture<StandaloneZooKeeper>
{
    [Fact]
    public async Task Close_removes_ephemeral_nodes_at_once()
    {
        string root = await zk.NewRootAsync();
        await using var observer = await TestRoots.ConnectAsync(root);
        var owner = await TestRoots.ConnectAsync(root);
        await owner.CreateAsync("/eph", null, CreateMode.Ephemeral);
        var deleted = new WatchRecorder();
        Assert.NotNull(await observer.ExistsAsync("/eph", deleted.Watcher));

        ZooKeeperSession session = owner.Session!;
        await owner.DisposeAsync();

        Assert.Equal(WatchEventType.NodeDeleted, (await deleted.NextAsync(TimeSpan.FromSeconds(2))).Type);
        Assert.True(session.Lost.IsCancellationRequested);
        Assert.Equal(ZooKeeperState.Closed, owner.State);
    }

    [Fact]
    public async Task Expired_session_is_reported_lost_its_ephemerals_go_and_a_new_session_works()
    {
        string root = await zk.NewRootAsync();
        string chroot = root[root.IndexOf('/', StringComparison.Ordinal)..];
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        await using var observer = await TestRoots.ConnectAsync(root);
        await using var victim = await TestRoots.ConnectAsync(proxy.ConnectionString + chroot, TimeSpan.FromSeconds(2));
        var states = new ConcurrentQueue<ZooKeeperStateChange>();
        victim.StateChanged += (_, change) => states.Enqueue(change);
        await victim.CreateAsync("/eph", null, CreateMode.Ephemeral);
        var watchEnded = new WatchRecorder();
        await victim.GetDataAsync("/eph", watchEnded.Watcher);
        var deleted = new WatchRecorder();
        await observer.ExistsAsync("/eph", deleted.Watcher);
        ZooKeeperSession oldSession = victim.Session!;

        proxy.Blackhole();

        // The ensemble expires the silent session and deletes its node; the victim, hearing nothing, declares it lost.
        Assert.Equal(WatchEventType.NodeDeleted, (await deleted.NextAsync()).Type);
        await Poll.UntilAsync(() => oldSession.IsLost, TimeSpan.FromSeconds(20), "the victim to report its session lost");
        Assert.Equal(new WatchedEvent(WatchEventType.None, KeeperState.Expired, "/eph"), await watchEnded.NextAsync());
        Assert.Equal(
            [ZooKeeperState.Suspended, ZooKeeperState.Lost],
            states.Select(s => s.Current).Take(2));

        proxy.Restore();
        await victim.WaitUntilConnectedAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotEqual(oldSession.Id, victim.SessionId);
        Assert.Null(await victim.ExistsAsync("/eph"));
        await victim.CreateAsync("/eph", null, CreateMode.Ephemeral);
    }

    [Fact]
    public async Task Requests_queued_when_the_session_is_lost_fail_with_session_expired()
    {
        string root = await zk.NewRootAsync();
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        await using var victim = await TestRoots.ConnectAsync(proxy.ConnectionString + root[root.IndexOf('/', StringComparison.Ordinal)..], TimeSpan.FromSeconds(2));
        ZooKeeperSession session = victim.Session!;
        proxy.Blackhole();
        await Poll.UntilAsync(() => victim.State == ZooKeeperState.Suspended, TimeSpan.FromSeconds(20), "the victim to notice the cut");

        // Made while suspended, this waits for a connection that never comes back for this session.
        Task<NodeData> queued = victim.GetDataAsync("/");
        await Assert.ThrowsAsync<SessionExpiredException>(() => queued.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(session.IsLost);
    }

    [Fact]
    public async Task Without_renewal_a_lost_session_closes_the_client()
    {
        string root = await zk.NewRootAsync();
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        ZooKeeperClientOptions options = TestRoots.Options(proxy.ConnectionString + root[root.IndexOf('/', StringComparison.Ordinal)..], TimeSpan.FromSeconds(2));
        options.RenewSessionAfterLoss = false;
        await using var victim = await ZooKeeperClient.ConnectAsync(options);
        ZooKeeperSession session = victim.Session!;

        proxy.Blackhole();

        await Poll.UntilAsync(() => victim.State == ZooKeeperState.Closed, TimeSpan.FromSeconds(20), "the client to close after its session was lost");
        Assert.True(session.IsLost);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => victim.GetDataAsync("/"));
    }

    [Fact]
    public async Task Unreachable_server_fails_the_connect_within_the_timeout_naming_the_connection_string()
    {
        int closedPort = FreePorts.Allocate(1)[0];
        string connectionString = $"127.0.0.1:{closedPort}";
        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectionString = connectionString,
            ConnectTimeout = TimeSpan.FromSeconds(1),
        }));
        Assert.Contains(connectionString, error.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"the failed connect took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Negotiated_timeout_is_clamped_by_the_server()
    {
        await using var client = await TestRoots.ConnectAsync(zk.Server.ConnectionString, TimeSpan.FromMinutes(5));
        Assert.Equal(TimeSpan.FromMilliseconds(zk.Server.Settings.MaxSessionTimeoutMs), client.SessionTimeout);
    }
}
