using System.Text;
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
}
