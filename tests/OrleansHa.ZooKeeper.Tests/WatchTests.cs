using System.Text;
using OrleansHa.ZooKeeper.Tests.Infrastructure;

namespace OrleansHa.ZooKeeper.Tests;

/// <summary>One-shot watches: the right event, exactly once, off the I/O loop.</summary>
public sealed class WatchTests(StandaloneZooKeeper zk) : IClassFixture<StandaloneZooKeeper>
{
    /// <summary>A generous bound for a reply from a local server; a reply stuck behind a blocked watcher never comes.</summary>
    private static readonly TimeSpan RepliesWithin = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Data_watch_fires_once_on_change()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/d", null);
        var watch = new WatchRecorder();
        await client.GetDataAsync("/d", watch.Watcher);

        await client.SetDataAsync("/d", [1]);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, "/d"), await watch.NextAsync());

        await client.SetDataAsync("/d", [2]);
        await FlushEventsAsync(client);
        Assert.Single(watch.Events);
        Assert.Equal(0, client.WatchCount);
    }

    [Fact]
    public async Task Exists_watch_on_a_missing_node_fires_on_creation()
    {
        string root = await zk.NewRootAsync();
        await using var watcher = await TestRoots.ConnectAsync(root);
        await using var writer = await TestRoots.ConnectAsync(root);
        var watch = new WatchRecorder();
        Assert.Null(await watcher.ExistsAsync("/later", watch.Watcher));

        await writer.CreateAsync("/later", null);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeCreated, KeeperState.SyncConnected, "/later"), await watch.NextAsync());
    }

    [Fact]
    public async Task Child_watch_fires_on_a_new_child_and_deletion_fires_data_and_child_watches()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/parent", null);
        var children = new WatchRecorder();
        await client.GetChildrenAsync("/parent", children.Watcher);
        await client.CreateAsync("/parent/kid", null);
        Assert.Equal(WatchEventType.NodeChildrenChanged, (await children.NextAsync()).Type);

        var data = new WatchRecorder();
        var childrenAgain = new WatchRecorder();
        await client.GetDataAsync("/parent/kid", data.Watcher);
        await client.GetChildrenAsync("/parent/kid", childrenAgain.Watcher);
        await client.DeleteAsync("/parent/kid");
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDeleted, KeeperState.SyncConnected, "/parent/kid"), await data.NextAsync());
        Assert.Equal(WatchEventType.NodeDeleted, (await childrenAgain.NextAsync()).Type);
    }

    [Fact]
    public async Task The_same_watcher_set_twice_fires_once()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/twice", null);
        var watch = new WatchRecorder();
        await client.GetDataAsync("/twice", watch.Watcher);
        await client.ExistsAsync("/twice", watch.Watcher);
        await client.SetDataAsync("/twice", [1]);
        await watch.NextAsync();
        await FlushEventsAsync(client);
        Assert.Single(watch.Events);
    }

    [Fact]
    public async Task A_blocking_watcher_does_not_stall_replies()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/slow", null);
        using var release = new ManualResetEventSlim();
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.GetDataAsync("/slow", _ =>
        {
            called.TrySetResult();
            release.Wait();
        });
        try
        {
            Task set = client.SetDataAsync("/slow", [1]);
            await called.Task.WaitAsync(RepliesWithin);

            // The watcher is blocked, yet requests still complete: callbacks are not run on the I/O loop (if they
            // were, the reply to the set would wait behind the watcher and these would time out).
            await set.WaitAsync(RepliesWithin);
            for (int i = 0; i < 20; i++)
            {
                await client.GetDataAsync("/slow").WaitAsync(RepliesWithin);
            }

            Assert.False(release.IsSet);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task Watches_end_with_a_closed_event_when_the_client_closes()
    {
        var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/w", null);
        var watch = new WatchRecorder();
        await client.GetDataAsync("/w", watch.Watcher);
        await client.DisposeAsync();
        Assert.Equal(new WatchedEvent(WatchEventType.None, KeeperState.Closed, "/w"), await watch.NextAsync());
    }

    /// <summary>
    /// Callbacks run in order, so once a watch set after everything else has fired, all earlier events have been delivered.
    /// </summary>
    private static async Task FlushEventsAsync(ZooKeeperClient client)
    {
        string marker = "/flush-" + Guid.NewGuid().ToString("N");
        var fired = new WatchRecorder();
        await client.ExistsAsync(marker, fired.Watcher);
        await client.CreateAsync(marker, Encoding.UTF8.GetBytes("flush"));
        await fired.NextAsync();
    }
}
