using System.Text;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper.Recipes;
using OrleansHa.ZooKeeper.Tests.Infrastructure;

namespace OrleansHa.ZooKeeper.Tests;

/// <summary>
/// Real faults on a real 3-node ensemble: SIGKILL and SIGSTOP of the server the client is connected to, and the
/// whole ensemble going down for longer than the session timeout.
/// </summary>
public sealed class EnsembleFaultTests(EnsembleZooKeeper zk) : IClassFixture<EnsembleZooKeeper>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sigkill_of_the_connected_server_keeps_the_session_fails_requests_in_flight_and_never_resends_them()
    {
        string root = await zk.HealAndCreateRootAsync();
        await using var client = await TestRoots.ConnectAsync(root, TimeSpan.FromSeconds(6));
        await using var observer = await TestRoots.ConnectAsync(root);
        await client.CreateAsync("/eph", Encoding.UTF8.GetBytes("still here"), CreateMode.Ephemeral);
        await client.CreateAsync("/inflight", null);
        long sessionId = client.SessionId;
        ZooKeeperServerProcess victim = zk.ServerOf(client);

        // Stopped first, so that these requests are surely written and unanswered when the kill breaks the connection.
        victim.Pause();
        var inFlight = Enumerable.Range(0, 20)
            .Select(_ => client.CreateAsync("/inflight/n-", null, CreateMode.PersistentSequential))
            .ToList();
        await victim.KillAsync();

        foreach (Task<string> request in inFlight)
        {
            await Assert.ThrowsAsync<ConnectionLossException>(() => request.WaitAsync(Patience));

            // Whoever has seen the loss never finds the client still claiming the dead connection.
            Assert.NotEqual(victim.ClientPort, client.ConnectedServer?.Port);
        }

        await Poll.UntilAsync(
            () => client.State == ZooKeeperState.Connected && client.ConnectedServer is { } server && server.Port != victim.ClientPort,
            Patience,
            "the client to reconnect to another member");
        Assert.Equal(sessionId, client.SessionId);
        Assert.False(client.Session!.IsLost);

        // The next requests succeed, the ephemeral node lived on, and nothing that was in flight was sent again.
        Assert.Equal("still here", Encoding.UTF8.GetString((await client.GetDataAsync("/eph")).Data));
        await observer.SyncAsync("/inflight");
        Assert.Empty((await observer.GetChildrenAsync("/inflight")).Children);
        Assert.Equal(sessionId, (await observer.ExistsAsync("/eph"))!.EphemeralOwner);
    }

    [Fact]
    public async Task Sigstop_of_the_connected_server_moves_the_session_to_another_member()
    {
        string root = await zk.HealAndCreateRootAsync();
        await using var client = await TestRoots.ConnectAsync(root, TimeSpan.FromSeconds(6));
        await client.CreateAsync("/eph", null, CreateMode.Ephemeral);
        long sessionId = client.SessionId;
        ZooKeeperServerProcess stopped = zk.ServerOf(client);

        stopped.Pause();
        try
        {
            // Nothing resets the connection: only the client's read timeout (2/3 of the session timeout) can notice.
            await Poll.UntilAsync(
                () => client.State == ZooKeeperState.Connected && client.ConnectedServer?.Port != stopped.ClientPort,
                Patience,
                "the client to move off the stopped server");
            Assert.Equal(sessionId, client.SessionId);
            Assert.False(client.Session!.IsLost);
            Assert.True((await client.ExistsAsync("/eph"))!.IsEphemeral);
        }
        finally
        {
            stopped.Resume();
        }
    }

    [Fact]
    public async Task A_change_made_while_disconnected_is_reported_after_reconnecting()
    {
        string root = await zk.HealAndCreateRootAsync();
        await using var watcher = await TestRoots.ConnectAsync(root, TimeSpan.FromSeconds(6));
        await watcher.CreateAsync("/watched", null);
        await watcher.CreateAsync("/parent", null);
        var dataWatch = new WatchRecorder();
        var childWatch = new WatchRecorder();
        await watcher.GetDataAsync("/watched", dataWatch.Watcher);
        await watcher.GetChildrenAsync("/parent", childWatch.Watcher);
        ZooKeeperServerProcess stopped = zk.ServerOf(watcher);

        // The watches live on the stopped server, which can no longer deliver them.
        stopped.Pause();
        try
        {
            string elsewhere = string.Join(',', zk.Ensemble.Servers.Where(s => s != stopped).Select(s => s.ConnectionString));
            await using var writer = await TestRoots.ConnectAsync(elsewhere + root[root.IndexOf('/', StringComparison.Ordinal)..]);
            await writer.SetDataAsync("/watched", Encoding.UTF8.GetBytes("changed while away"));
            await writer.CreateAsync("/parent/new", null);
            Assert.Empty(dataWatch.Events);

            // After the read timeout the watcher moves, re-sends its watches, and the server reports what it missed.
            Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, "/watched"), await dataWatch.NextAsync(Patience));
            Assert.Equal(new WatchedEvent(WatchEventType.NodeChildrenChanged, KeeperState.SyncConnected, "/parent"), await childWatch.NextAsync(Patience));
            Assert.Equal("changed while away", Encoding.UTF8.GetString((await watcher.GetDataAsync("/watched")).Data));
        }
        finally
        {
            stopped.Resume();
        }
    }

    [Fact]
    public async Task Ensemble_down_past_the_session_timeout_reports_the_session_lost_and_a_new_one_works_when_it_returns()
    {
        string root = await zk.HealAndCreateRootAsync();
        await using var client = await TestRoots.ConnectAsync(root, TimeSpan.FromSeconds(2));
        await client.CreateAsync("/eph", null, CreateMode.Ephemeral);
        ZooKeeperSession session = client.Session!;

        await Task.WhenAll(zk.Ensemble.Servers.Select(s => s.KillAsync()));

        await Poll.UntilAsync(() => session.IsLost, Patience, "the client to report its session lost");
        Assert.Equal(ZooKeeperState.Lost, client.State);

        foreach (ZooKeeperServerProcess server in zk.Ensemble.Servers)
        {
            server.Launch();
        }

        await client.WaitUntilConnectedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(session.Id, client.SessionId);
        await client.CreateAsync("/after", Encoding.UTF8.GetBytes("new session"));
        Assert.Equal("new session", Encoding.UTF8.GetString((await client.GetDataAsync("/after")).Data));
    }

    [Fact]
    public async Task Credentials_are_presented_again_after_a_reconnect()
    {
        string root = await zk.HealAndCreateRootAsync();
        await using var client = await TestRoots.ConnectAsync(root, TimeSpan.FromSeconds(6));
        await client.AddDigestAuthAsync("alice", "secret");
        await client.CreateAsync("/private", Encoding.UTF8.GetBytes("hers"), acl: [Acl.Digest("alice", "secret", Permissions.All)]);
        ZooKeeperServerProcess victim = zk.ServerOf(client);

        await victim.KillAsync();
        await Poll.UntilAsync(
            () => client.State == ZooKeeperState.Connected && client.ConnectedServer?.Port != victim.ClientPort,
            Patience,
            "the client to reconnect elsewhere");

        Assert.Equal("hers", Encoding.UTF8.GetString((await client.GetDataAsync("/private")).Data));
    }

    [Fact]
    public async Task Protected_creates_through_server_kills_leave_exactly_one_node_each()
    {
        string root = await zk.HealAndCreateRootAsync();
        await using var client = await TestRoots.ConnectAsync(root, TimeSpan.FromSeconds(6));
        await client.CreateAsync("/queue", null);
        var creates = new List<Task<string>>();
        ZooKeeperServerProcess victim = zk.ServerOf(client);
        int inFlightAtKill = 0;
        for (int i = 0; i < 100; i++)
        {
            creates.Add(client.CreateProtectedEphemeralSequentialAsync("/queue/item-", null));
            if (i == 50)
            {
                // Creates still unanswered when the server dies are the ones the recovery path must settle.
                inFlightAtKill = creates.Count(c => !c.IsCompleted);
                await victim.KillAsync();
            }
        }

        string[] created = await Task.WhenAll(creates).WaitAsync(Patience);
        Assert.True(inFlightAtKill > 0, "no protected create was in flight when the server was killed");
        Assert.NotEqual(victim.ClientPort, client.ConnectedServer?.Port);
        IReadOnlyList<string> children = (await client.GetChildrenAsync("/queue")).Children;
        Assert.Equal(created.Select(ZooKeeperPath.GetName).Order(StringComparer.Ordinal), children.Order(StringComparer.Ordinal));
        Assert.All(children, c => Assert.True(ProtectedCreate.TryGetOriginalName(c, out string original) && original.StartsWith("item-", StringComparison.Ordinal)));
    }
}
