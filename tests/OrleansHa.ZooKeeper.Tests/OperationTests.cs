using System.Text;
using OrleansHa.ZooKeeper.Recipes;
using OrleansHa.ZooKeeper.Tests.Infrastructure;

namespace OrleansHa.ZooKeeper.Tests;

/// <summary>Every operation and the error codes callers branch on, against a real standalone server.</summary>
public sealed class OperationTests(StandaloneZooKeeper zk) : IClassFixture<StandaloneZooKeeper>
{
    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Create_get_set_delete_round_trip()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());

        Assert.Equal("/a", await client.CreateAsync("/a", Bytes("one")));
        NodeData read = await client.GetDataAsync("/a");
        Assert.Equal("one", Encoding.UTF8.GetString(read.Data));
        Assert.Equal(0, read.Stat.Version);
        Assert.Equal(3, read.Stat.DataLength);

        Stat written = await client.SetDataAsync("/a", Bytes("two"), version: 0);
        Assert.Equal(1, written.Version);
        Assert.Equal("two", Encoding.UTF8.GetString((await client.GetDataAsync("/a")).Data));

        await client.DeleteAsync("/a", version: 1);
        Assert.Null(await client.ExistsAsync("/a"));
    }

    [Fact]
    public async Task Null_data_reads_back_as_empty()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/empty", null);
        NodeData read = await client.GetDataAsync("/empty");
        Assert.Empty(read.Data);
        Assert.Equal(0, read.Stat.DataLength);
    }

    [Fact]
    public async Task Errors_are_typed_and_name_the_path()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/p", null);
        await client.CreateAsync("/p/child", null);
        await client.CreateAsync("/eph", null, CreateMode.Ephemeral);

        var exists = await Assert.ThrowsAsync<NodeExistsException>(() => client.CreateAsync("/p", null));
        Assert.Equal("/p", exists.Path);
        Assert.Contains("/p", exists.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.NodeExists, exists.Code);

        Assert.Equal("/missing/x", (await Assert.ThrowsAsync<NoNodeException>(() => client.CreateAsync("/missing/x", null))).Path);
        await Assert.ThrowsAsync<NoChildrenForEphemeralsException>(() => client.CreateAsync("/eph/child", null));
        await Assert.ThrowsAsync<NoNodeException>(() => client.GetDataAsync("/missing"));
        await Assert.ThrowsAsync<NoNodeException>(() => client.GetChildrenAsync("/missing"));
        await Assert.ThrowsAsync<NoNodeException>(() => client.SetDataAsync("/missing", null));
        await Assert.ThrowsAsync<NoNodeException>(() => client.DeleteAsync("/missing"));
        await Assert.ThrowsAsync<NotEmptyException>(() => client.DeleteAsync("/p"));
        await Assert.ThrowsAsync<BadVersionException>(() => client.DeleteAsync("/p/child", version: 7));
        await Assert.ThrowsAsync<BadVersionException>(() => client.SetDataAsync("/p/child", null, version: 7));
        Assert.Null(await client.ExistsAsync("/missing"));

        // Nothing above changed the tree.
        Assert.Equal(["child"], (await client.GetChildrenAsync("/p")).Children);
    }

    [Fact]
    public async Task Sequential_nodes_get_increasing_ten_digit_suffixes()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/q", null);
        string first = await client.CreateAsync("/q/item-", null, CreateMode.PersistentSequential);
        string second = await client.CreateAsync("/q/item-", null, CreateMode.EphemeralSequential);
        string bare = await client.CreateAsync("/q/", null, CreateMode.PersistentSequential);

        Assert.Equal("/q/item-0000000000", first);
        Assert.Equal("/q/item-0000000001", second);
        Assert.Equal("/q/0000000002", bare);
        Assert.True((await client.ExistsAsync(second))!.IsEphemeral);
        Assert.Equal(client.SessionId, (await client.ExistsAsync(second))!.EphemeralOwner);
    }

    [Fact]
    public async Task Container_nodes_are_created_with_their_own_opcode()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        Assert.Equal("/box", await client.CreateAsync("/box", Bytes("c"), CreateMode.Container));
        await client.CreateAsync("/box/item", null);
        Stat stat = (await client.ExistsAsync("/box"))!;
        Assert.Equal(1, stat.NumChildren);
        Assert.False(stat.IsEphemeral);
    }

    [Fact]
    public async Task Get_children_returns_names_and_stat()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/dir", null);
        foreach (string name in new[] { "b", "a", "c" })
        {
            await client.CreateAsync("/dir/" + name, null);
        }

        NodeChildren children = await client.GetChildrenAsync("/dir");
        Assert.Equal(["a", "b", "c"], children.Children.Order(StringComparer.Ordinal));
        Assert.Equal(3, children.Stat.NumChildren);
        Assert.Equal(3, children.Stat.Cversion);
    }

    [Fact]
    public async Task Version_race_has_exactly_one_winner()
    {
        string root = await zk.NewRootAsync();
        await using var setup = await TestRoots.ConnectAsync(root);
        await setup.CreateAsync("/counter", Bytes("0"));
        var writers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => TestRoots.ConnectAsync(root)));
        try
        {
            int version = (await setup.GetDataAsync("/counter")).Stat.Version;
            var attempts = writers.Select((w, i) => w.SetDataAsync("/counter", Bytes($"writer {i}"), version)).ToList();
            int won = 0;
            int lost = 0;
            foreach (Task<Stat> attempt in attempts)
            {
                try
                {
                    await attempt;
                    won++;
                }
                catch (BadVersionException)
                {
                    lost++;
                }
            }

            Assert.Equal(1, won);
            Assert.Equal(9, lost);
            Assert.Equal(version + 1, (await setup.GetDataAsync("/counter")).Stat.Version);
        }
        finally
        {
            await Task.WhenAll(writers.Select(w => w.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Multi_applies_everything_and_returns_results()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/m", Bytes("v0"));
        await client.CreateAsync("/gone", null);

        IReadOnlyList<OpResult> results = await client.MultiAsync(
        [
            Op.Check("/m", 0),
            Op.Create("/m/seq-", Bytes("s"), CreateMode.PersistentSequential),
            Op.SetData("/m", Bytes("v1"), 0),
            Op.Delete("/gone"),
        ]);

        Assert.IsType<CheckResult>(results[0]);
        Assert.Equal("/m/seq-0000000000", Assert.IsType<CreateResult>(results[1]).Path);
        Assert.Equal(1, Assert.IsType<SetDataResult>(results[2]).Stat.Version);
        Assert.IsType<DeleteResult>(results[3]);
        Assert.Null(await client.ExistsAsync("/gone"));
        Assert.Equal("v1", Encoding.UTF8.GetString((await client.GetDataAsync("/m")).Data));
    }

    [Fact]
    public async Task Multi_whose_op_fails_changes_nothing()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/keep", Bytes("before"));

        var error = await Assert.ThrowsAsync<NoNodeException>(() => client.MultiAsync(
        [
            Op.Create("/new", null),
            Op.SetData("/keep", Bytes("after")),
            Op.Create("/missing/child", null),
            Op.Delete("/keep"),
        ]));

        Assert.Equal(2, error.OperationIndex);
        Assert.Equal("/missing/child", error.Path);
        Assert.Equal(
            [ErrorCode.Ok, ErrorCode.Ok, ErrorCode.NoNode, ErrorCode.RuntimeInconsistency],
            error.Results!.Select(r => Assert.IsType<ErrorResult>(r).Code));
        Assert.Null(await client.ExistsAsync("/new"));
        NodeData keep = await client.GetDataAsync("/keep");
        Assert.Equal("before", Encoding.UTF8.GetString(keep.Data));
        Assert.Equal(0, keep.Stat.Version);
    }

    [Fact]
    public async Task Multi_check_with_a_stale_version_fails_the_transaction()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/table", null);
        await client.SetDataAsync("/table", Bytes("bumped"));

        var error = await Assert.ThrowsAsync<BadVersionException>(() => client.MultiAsync(
        [
            Op.Check("/table", 0),
            Op.Create("/table/row", Bytes("r")),
        ]));

        Assert.Equal(0, error.OperationIndex);
        Assert.Null(await client.ExistsAsync("/table/row"));
    }

    [Fact]
    public async Task Sync_completes()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/s", null);
        await client.SyncAsync("/s");
        await client.SyncAsync("/");
    }

    [Fact]
    public async Task Chroot_is_applied_both_ways()
    {
        string root = await zk.NewRootAsync();
        string chroot = root[root.IndexOf('/', StringComparison.Ordinal)..];
        await using var rooted = await TestRoots.ConnectAsync(root);
        await using var plain = await TestRoots.ConnectAsync(zk.Server.ConnectionString);

        Assert.Equal("/x-0000000000", await rooted.CreateAsync("/x-", Bytes("in chroot"), CreateMode.PersistentSequential));
        Assert.Equal("in chroot", Encoding.UTF8.GetString((await plain.GetDataAsync(chroot + "/x-0000000000")).Data));
        Assert.Equal(["x-0000000000"], (await rooted.GetChildrenAsync("/")).Children);
    }

    [Fact]
    public async Task Invalid_paths_are_refused_before_sending()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        var error = await Assert.ThrowsAsync<InvalidPathException>(() => client.CreateAsync("/a//b", null));
        Assert.Contains("empty segment", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidPathException>(() => client.GetDataAsync("relative"));
        await Assert.ThrowsAsync<InvalidPathException>(() => client.MultiAsync([Op.Create("/ok", null), Op.Delete("/bad/")]));
        Assert.Null(await client.ExistsAsync("/ok"));
    }

    [Fact]
    public async Task Data_over_the_frame_limit_is_refused_and_nothing_is_written()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        byte[] tooBig = new byte[ZooKeeperClientOptions.DefaultMaxFrameSize];
        var error = await Assert.ThrowsAsync<RequestTooLargeException>(() => client.CreateAsync("/big", tooBig));
        Assert.Contains("/big", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxFrameSize", error.Message, StringComparison.Ordinal);
        Assert.Null(await client.ExistsAsync("/big"));

        // Just under the limit is accepted by the server and reads back whole.
        byte[] large = new byte[1_000_000];
        Random.Shared.NextBytes(large);
        await client.CreateAsync("/large", large);
        Assert.Equal(large, (await client.GetDataAsync("/large")).Data);
    }

    [Fact]
    public async Task A_cancelled_call_throws_and_the_client_keeps_working()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CreateAsync("/c", null, cancellationToken: cancelled.Token));
        Assert.Null(await client.ExistsAsync("/c"));
        await client.CreateAsync("/c", null);
    }

    [Fact]
    public async Task Many_pipelined_requests_complete_in_order()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/seq", null);
        var creates = Enumerable.Range(0, 500).Select(_ => client.CreateAsync("/seq/n-", null, CreateMode.PersistentSequential)).ToList();
        string[] paths = await Task.WhenAll(creates);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"/seq/n-{i:D10}"), paths);
    }

    [Fact]
    public async Task Ensure_path_creates_missing_ancestors_and_recursive_delete_removes_a_subtree()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/a", Bytes("kept"));
        await client.EnsurePathAsync("/a/b/c");
        await client.EnsurePathAsync("/a/b/c");
        Assert.Equal("kept", Encoding.UTF8.GetString((await client.GetDataAsync("/a")).Data));
        Assert.NotNull(await client.ExistsAsync("/a/b/c"));
        Assert.False(await client.CreateIfMissingAsync("/a/b", null));

        await client.CreateAsync("/a/b/c/leaf", null);
        await client.CreateAsync("/a/b/sibling", null);
        await client.DeleteRecursiveAsync("/a/b");
        Assert.Null(await client.ExistsAsync("/a/b"));
        Assert.NotNull(await client.ExistsAsync("/a"));
        await client.DeleteRecursiveAsync("/a/b");
    }

    [Fact]
    public async Task Operations_after_close_throw_object_disposed()
    {
        var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CloseAsync();
        Assert.Equal(ZooKeeperState.Closed, client.State);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetDataAsync("/"));

        // Closing again, or disposing after closing, is harmless.
        await client.DisposeAsync();
        await Task.WhenAll(client.CloseAsync(), client.CloseAsync());
    }
}
