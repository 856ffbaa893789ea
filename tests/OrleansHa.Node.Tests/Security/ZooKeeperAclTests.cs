using System.Globalization;
using System.Net;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Tests.Security;

/// <summary>One real standalone ZooKeeper server for a test class; each test makes its own cluster (its own cluster id) on it.</summary>
public sealed class StandaloneZooKeeperFixture : IAsyncLifetime
{
    private ZooKeeperServerProcess? _server;

    public string ConnectionString => (_server ?? throw new InvalidOperationException("ZooKeeper has not started.")).ConnectionString;

    public async Task InitializeAsync() => _server = await ZooKeeperServerProcess.StartStandaloneAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// The cluster's znodes against someone who reaches ZooKeeper without its identity, on a real server with real nodes:
/// the token key and everything else unreadable except what discovery needs, every write refused (from our client and
/// from the Java CLI); a node with a wrong identity, and a tree made without ACLs, refused at start.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ZooKeeperAclTests(StandaloneZooKeeperFixture zk) : IClassFixture<StandaloneZooKeeperFixture>, IAsyncLifetime
{
    private const string ZkCli = "/usr/share/zookeeper/bin/zkCli.sh";
    private const int StartupFailedExitCode = 2;
    private NodeCluster _cluster = null!;

    private ClusterZnodes Znodes => ClusterZnodes.For(_cluster.ClusterId);

    private ClusterAcls Acls => new(Znodes, TestCredentials.ZooKeeperIdentity);

    public Task InitializeAsync()
    {
        _cluster = new NodeCluster(zk.ConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Without_the_identity_a_session_reads_only_discovery_znodes_and_changes_nothing()
    {
        (NodeProcess master, _, _) = await _cluster.StartMasterAndStandbyAsync();
        string token = await Rest.LoginAsync(master, TestCredentials.User, TestCredentials.Password);
        using (HttpResponseMessage logout = await Rest.SendAsync(master, HttpMethod.Delete, "/apiv2/login", Rest.Dremio(token)))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        await using ZooKeeperClient owner = await ZooKeeperClient.ConnectAsync(TestCredentials.ZooKeeperOptions(zk.ConnectionString));
        await Acls.CheckAsync(owner);
        IReadOnlyList<string> znodes = await Acls.ExistingZnodesAsync(owner);
        Assert.Contains(Znodes.TokenKey, znodes);
        Assert.Contains(Znodes.MasterEpoch, znodes);
        Assert.Contains(Znodes.MasterActive, znodes);
        Assert.Contains(znodes, path => path.StartsWith(Znodes.Revoked + "/", StringComparison.Ordinal));
        Assert.Contains(znodes, path => path.StartsWith(Znodes.Membership + "/", StringComparison.Ordinal));
        Assert.Equal([TestCredentials.ZooKeeperIdentity.ToAcl(Permissions.All)], (await owner.GetAclAsync(Znodes.TokenKey)).Acl);

        await using ZooKeeperClient anonymous = await ZooKeeperClient.ConnectAsync(zk.ConnectionString);
        foreach (string secret in new[] { Znodes.TokenKey, Znodes.MasterEpoch, Znodes.Auth, Znodes.Root, ClusterZnodes.DefaultRootPath })
        {
            await Assert.ThrowsAsync<NoAuthException>(() => anonymous.GetDataAsync(secret));
        }

        await Assert.ThrowsAsync<NoAuthException>(() => anonymous.GetChildrenAsync(Znodes.Revoked));

        // What a grain client needs to find the cluster, and no more: the gateways' rows and the active master's record.
        NodeChildren rows = await anonymous.GetChildrenAsync(Znodes.Membership);
        Assert.NotEmpty(rows.Children);
        await anonymous.GetDataAsync(ZooKeeperPath.Combine(Znodes.Membership, rows.Children[0]));
        await anonymous.GetDataAsync(Znodes.MasterActive);

        int refused = 0;
        foreach (string path in znodes)
        {
            await Assert.ThrowsAsync<NoAuthException>(() => anonymous.SetDataAsync(path, [1]));
            await Assert.ThrowsAsync<NoAuthException>(() => anonymous.CreateAsync(ZooKeeperPath.Combine(path, "intruder"), null));
            await Assert.ThrowsAsync<NoAuthException>(() => anonymous.SetAclAsync(path, Acl.OpenUnsafe));
            if (path != ClusterZnodes.DefaultRootPath)
            {
                // Deleting needs DELETE on the parent; the root path's parent is ZooKeeper's own '/'.
                await Assert.ThrowsAsync<NoAuthException>(() => anonymous.DeleteAsync(path));
            }

            refused++;
        }

        Assert.Equal(znodes.Count, refused);

        // The same from Apache's own CLI, as anyone who reaches the port would try.
        Assert.Contains("Insufficient permission", await ZkCliAsync("get", Znodes.TokenKey), StringComparison.Ordinal);
        Assert.Contains("Insufficient permission", await ZkCliAsync("delete", Znodes.MasterEpoch), StringComparison.Ordinal);
        Assert.Contains("Insufficient permission", await ZkCliAsync("create", Znodes.Root + "/intruder"), StringComparison.Ordinal);

        // Nothing was lost: the cluster still answers with its master.
        Assert.Equal(master.Name, (await NodeCluster.WaitForMasterAsync(master)).Master);
    }

    [Fact]
    public async Task A_node_with_a_wrong_identity_fails_to_start_saying_so()
    {
        await _cluster.StartAsync("m1");
        string wrong = Path.Combine(_cluster.Root, "wrong.auth");
        File.WriteAllText(wrong, $"{TestCredentials.ZooKeeperIdentity.User}:not-the-password\n");
        File.SetUnixFileMode(wrong, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        await using NodeProcess intruder = StartUnsupervised("intruder", $"zk.client.auth.file={wrong}");
        Assert.Equal(StartupFailedExitCode, await intruder.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(intruder.Lines, l => l.Contains(
            $"ZooKeeper does not give the identity '{TestCredentials.ZooKeeperIdentity.User}' full rights on '/orleans-ha", StringComparison.Ordinal));
        Assert.DoesNotContain(intruder.Lines, l => l.Contains("not-the-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tree_made_without_acls_is_refused_until_migrated_and_then_runs()
    {
        // As an older version left it: the cluster's znodes open to everyone.
        await using ZooKeeperClient owner = await ZooKeeperClient.ConnectAsync(TestCredentials.ZooKeeperOptions(zk.ConnectionString));
        try
        {
            await owner.CreateAsync(ClusterZnodes.DefaultRootPath, null, acl: Acls.For(ClusterZnodes.DefaultRootPath));
        }
        catch (NodeExistsException)
        {
        }

        foreach (string path in new[] { Znodes.Root, Znodes.Membership, Znodes.Auth })
        {
            await owner.CreateAsync(path, null, acl: Acl.OpenUnsafe);
        }

        await using (NodeProcess refused = StartUnsupervised("m1"))
        {
            Assert.Equal(StartupFailedExitCode, await refused.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(refused.Lines, l => l.Contains($"the znode '{Znodes.Root}' carries the ACL [world:anyone:cdrwa]", StringComparison.Ordinal)
                && l.Contains("--migrate-zookeeper-acls", StringComparison.Ordinal));
        }

        await using (NodeProcess migration = NodeProcess.Start("migrate", Path.Combine(_cluster.Root, "migrate"), ClusterSettings(), "--migrate-zookeeper-acls"))
        {
            Assert.Equal(0, await migration.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(migration.Lines, l => l.Contains($"set the ACLs of 4 znode(s) under {Znodes.Root}", StringComparison.Ordinal));
        }

        await Acls.CheckAsync(owner);
        await using ZooKeeperClient anonymous = await ZooKeeperClient.ConnectAsync(zk.ConnectionString);
        await Assert.ThrowsAsync<NoAuthException>(() => anonymous.CreateAsync(Znodes.Auth + "/token-key", [1]));

        NodeProcess master = await _cluster.StartAsync("m1");
        Assert.Equal(master.Name, (await NodeCluster.WaitForMasterAsync(master)).Master);
    }

    private NodeProcess StartUnsupervised(string name, params string[] settings) =>
        NodeProcess.Start(name, Path.Combine(_cluster.Root, name), [.. ClusterSettings(), "supervisor.enabled=false", .. settings]);

    private string[] ClusterSettings() =>
    [
        $"zookeeper={zk.ConnectionString}",
        $"cluster.id={_cluster.ClusterId}",
        $"paths.db={_cluster.SharedDb}",
        string.Create(CultureInfo.InvariantCulture, $"zk.client.session.timeout={NodeCluster.SessionTimeout.TotalMilliseconds:0}"),
    ];

    private async Task<string> ZkCliAsync(params string[] command)
    {
        ExternalCommand.Result result = await ExternalCommand.RunAsync(ZkCli, ["-server", zk.ConnectionString, .. command], TimeSpan.FromSeconds(60));
        return result.Stdout + result.Stderr;
    }
}
