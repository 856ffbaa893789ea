using System.Text;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper.Recipes;
using OrleansHa.ZooKeeper.Tests.Infrastructure;

namespace OrleansHa.ZooKeeper.Tests;

/// <summary>getACL, setACL and digest authentication against a real server.</summary>
public sealed class AclTests(StandaloneZooKeeper zk) : IClassFixture<StandaloneZooKeeper>
{
    [Fact]
    public async Task Default_acl_is_open()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/open", null);
        NodeAcl acl = await client.GetAclAsync("/open");
        Assert.Equal(Acl.OpenUnsafe, acl.Acl);
        Assert.Equal(0, acl.Stat.Aversion);
    }

    [Fact]
    public async Task Digest_acl_admits_only_the_authenticated_user()
    {
        string root = await zk.NewRootAsync();
        await using var alice = await TestRoots.ConnectAsync(root);
        await using var stranger = await TestRoots.ConnectAsync(root);
        await alice.AddDigestAuthAsync("alice", "secret");
        await alice.CreateAsync("/private", Encoding.UTF8.GetBytes("hers"), acl: [Acl.Digest("alice", "secret", Permissions.All)]);

        Assert.Equal("hers", Encoding.UTF8.GetString((await alice.GetDataAsync("/private")).Data));
        var denied = await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetDataAsync("/private"));
        Assert.Equal("/private", denied.Path);
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.SetDataAsync("/private", null));

        // A wrong password is not refused by the server; it is simply another identity, with no access.
        await stranger.AddDigestAuthAsync("alice", "guess");
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetDataAsync("/private"));
        await stranger.AddDigestAuthAsync("alice", "secret");
        Assert.Equal("hers", Encoding.UTF8.GetString((await stranger.GetDataAsync("/private")).Data));
    }

    [Fact]
    public async Task Creator_all_expands_to_the_authenticated_identity()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await Assert.ThrowsAsync<InvalidAclException>(() => client.CreateAsync("/mine", null, acl: Acl.CreatorAll));
        await client.AddDigestAuthAsync("bob", "pw");
        await client.CreateAsync("/mine", null, acl: Acl.CreatorAll);
        Acl entry = Assert.Single((await client.GetAclAsync("/mine")).Acl);
        Assert.Equal(Acl.Digest("bob", "pw", Permissions.All), entry);
    }

    [Fact]
    public async Task Set_acl_checks_the_acl_version()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await client.CreateAsync("/n", null);
        await Assert.ThrowsAsync<BadVersionException>(() => client.SetAclAsync("/n", Acl.ReadUnsafe, aclVersion: 3));
        Stat stat = await client.SetAclAsync("/n", Acl.ReadUnsafe, aclVersion: 0);
        Assert.Equal(1, stat.Aversion);
        Assert.Equal(Acl.ReadUnsafe, (await client.GetAclAsync("/n")).Acl);

        // Read-only now: writing, and changing the ACL back (which needs ADMIN), are refused.
        await Assert.ThrowsAsync<NoAuthException>(() => client.SetDataAsync("/n", [1]));
        await Assert.ThrowsAsync<NoAuthException>(() => client.SetAclAsync("/n", Acl.OpenUnsafe));
    }

    [Fact]
    public async Task Invalid_acls_are_refused()
    {
        await using var client = await TestRoots.ConnectAsync(await zk.NewRootAsync());
        await Assert.ThrowsAsync<InvalidAclException>(() => client.CreateAsync("/w", null, acl: [new Acl(Permissions.All, "world", "someone")]));
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => client.CreateAsync("/w", null, acl: []));
        Assert.Contains("/w", empty.Message, StringComparison.Ordinal);
        Assert.Null(await client.ExistsAsync("/w"));
    }

    [Fact]
    public async Task Identity_and_default_acl_from_the_options_cover_every_create_and_a_session_made_again()
    {
        string root = await zk.NewRootAsync();
        var identity = new DigestIdentity("node", "s3cret");
        IReadOnlyList<Acl> privateAcl = [identity.ToAcl(Permissions.All)];
        await using var proxy = new TcpProxy(zk.Server.ClientPort);
        ZooKeeperClientOptions options = TestRoots.Options(proxy.ConnectionString + root[root.IndexOf('/', StringComparison.Ordinal)..], TimeSpan.FromSeconds(2));
        options.Identity = identity;
        options.DefaultAcl = _ => privateAcl;
        await using var owner = await ZooKeeperClient.ConnectAsync(options);
        await using var stranger = await TestRoots.ConnectAsync(root);

        await owner.CreateAsync("/a", null);
        await owner.MultiAsync([Op.Create("/a/b", Encoding.UTF8.GetBytes("x"))]);
        await owner.EnsurePathAsync("/c/d");
        await owner.CreateAsync("/open", null, acl: Acl.OpenUnsafe);
        foreach (string path in new[] { "/a", "/a/b", "/c", "/c/d" })
        {
            Assert.Equal(privateAcl, (await owner.GetAclAsync(path)).Acl);
            await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetDataAsync(path));
        }

        Assert.Equal(Acl.OpenUnsafe, (await owner.GetAclAsync("/open")).Acl);

        // The session expires behind a cut; the new one presents the identity before anything else is sent.
        long first = owner.SessionId;
        proxy.Blackhole();
        await Poll.UntilAsync(() => owner.Session is null || owner.Session.IsLost, TimeSpan.FromSeconds(20), "the session to be lost behind the cut");
        proxy.Restore();
        await Poll.UntilAsync(() => owner.State == ZooKeeperState.Connected && owner.SessionId != first, TimeSpan.FromSeconds(20), "a new session");
        Assert.Equal("x", Encoding.UTF8.GetString((await owner.GetDataAsync("/a/b")).Data));
        Assert.Equal("digest:node", identity.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("user")]
    [InlineData(":password")]
    [InlineData("user:")]
    public void A_digest_identity_must_read_user_colon_password(string text)
    {
        var error = Assert.Throws<FormatException>(() => DigestIdentity.Parse(text));
        Assert.Contains("user:password", error.Message, StringComparison.Ordinal);
    }
}
