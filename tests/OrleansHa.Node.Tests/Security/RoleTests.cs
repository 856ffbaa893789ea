using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansHa.Node.Tests.Failover;

namespace OrleansHa.Node.Tests.Security;

/// <summary>
/// Admins and ordinary users on a real node over REST: what needs the admin role is refused with 403 naming it and
/// changes nothing; a user sees and cancels only its own jobs; the last admin stays.
/// </summary>
public sealed class RoleTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    private const string BobPassword = "bob's password";

    [Fact]
    public async Task An_ordinary_user_is_refused_every_admin_operation_with_403_naming_the_role_and_nothing_changes()
    {
        (NodeProcess node, string admin) = await StartWithAdminAsync();
        await CreateUserAsync(node, admin, "bob", isAdmin: false);
        string bob = Rest.Dremio(await Rest.LoginAsync(node, "bob", BobPassword));
        await Ok(Rest.SendAsync(node, HttpMethod.Post, "/api/v3/catalog/spaces", admin, new { name = "shared" }));

        (HttpMethod Method, string Path, object? Body, string Doing)[] refused =
        [
            (HttpMethod.Post, "/api/v3/catalog/sources", new { name = "etc", path = "/etc" }, "Creating a source"),
            (HttpMethod.Delete, "/api/v3/catalog/sources/etc", null, "Dropping a source"),
            (HttpMethod.Put, "/api/v3/catalog/views/v", new { sql = "SELECT 1" }, "Creating or replacing a view"),
            (HttpMethod.Delete, "/api/v3/catalog/views/v", null, "Dropping a view"),
            (HttpMethod.Post, "/api/v3/catalog/spaces", new { name = "mine" }, "Creating a space"),
            (HttpMethod.Delete, "/api/v3/catalog/spaces/shared", null, "Dropping a space"),
            (HttpMethod.Post, "/api/v3/user", new { name = "mallory", password = "x", admin = true }, "Creating a user"),
            (HttpMethod.Get, "/api/v3/user", null, "Listing users"),
            (HttpMethod.Get, "/api/v3/user/admin", null, "Reading another user"),
            (HttpMethod.Put, "/api/v3/user/admin", new { password = "taken over" }, "Changing another user's password"),
            (HttpMethod.Put, "/api/v3/user/bob", new { admin = true, password = "new" }, "Changing a user's role"),
            (HttpMethod.Delete, "/api/v3/user/admin", null, "Dropping a user"),
            (HttpMethod.Post, "/api/v3/auth/token-key/rotate", new { }, "Rotating the token signing key"),
        ];
        foreach ((HttpMethod method, string path, object? body, string doing) in refused)
        {
            await Rest.ExpectAsync(Rest.SendAsync(node, method, path, bob, body), HttpStatusCode.Forbidden, $"{doing} needs the admin role, which user 'bob' does not have.");
        }

        // Nothing of it happened: no source, view or user was made, the space is there, both passwords still work.
        using JsonDocument catalog = await JsonAsync(Rest.SendAsync(node, HttpMethod.Get, "/api/v3/catalog", admin));
        Assert.Empty(catalog.RootElement.GetProperty("data").EnumerateArray());
        using JsonDocument users = await JsonAsync(Rest.SendAsync(node, HttpMethod.Get, "/api/v3/user", admin));
        Assert.Equal("[{\"name\":\"admin\",\"admin\":true},{\"name\":\"bob\",\"admin\":false}]", users.RootElement.GetRawText());
        await Rest.LoginAsync(node, "bob", BobPassword);
        await Rest.LoginAsync(node, TestCredentials.User, TestCredentials.Password);

        // What a user may do: read the catalog and itself, write entries in a space.
        await Ok(Rest.SendAsync(node, HttpMethod.Get, "/api/v3/catalog", bob));
        using JsonDocument me = await JsonAsync(Rest.SendAsync(node, HttpMethod.Get, "/api/v3/user/bob", bob));
        Assert.False(me.RootElement.GetProperty("admin").GetBoolean());
        await Ok(Rest.SendAsync(node, HttpMethod.Put, "/api/v3/catalog/spaces/shared/entries/k", bob, new { value = "v" }));

        // A role counts from the moment it is given, with the token the user already has.
        await Ok(Rest.SendAsync(node, HttpMethod.Put, "/api/v3/user/bob", admin, new { admin = true }));
        await Ok(Rest.SendAsync(node, HttpMethod.Post, "/api/v3/catalog/sources", bob, new { name = "data", path = Cluster.Root }));
    }

    [Fact]
    public async Task The_last_admin_can_be_neither_demoted_nor_dropped()
    {
        (NodeProcess node, string admin) = await StartWithAdminAsync();
        await Rest.ExpectAsync(Rest.SendAsync(node, HttpMethod.Put, "/api/v3/user/admin", admin, new { admin = false }), HttpStatusCode.Conflict, "last admin");
        await Rest.ExpectAsync(Rest.SendAsync(node, HttpMethod.Delete, "/api/v3/user/admin", admin), HttpStatusCode.Conflict, "last admin");
        await CreateUserAsync(node, admin, "bob", isAdmin: true);
        await Ok(Rest.SendAsync(node, HttpMethod.Put, "/api/v3/user/admin", admin, new { admin = false }));
        string bob = Rest.Dremio(await Rest.LoginAsync(node, "bob", BobPassword));
        await Rest.ExpectAsync(Rest.SendAsync(node, HttpMethod.Delete, "/api/v3/user/bob", bob), HttpStatusCode.Conflict, "last admin");
    }

    [Fact]
    public async Task A_user_sees_and_cancels_only_its_own_jobs_and_an_admin_sees_and_cancels_all()
    {
        (NodeProcess node, string admin) = await StartWithAdminAsync();
        await CreateUserAsync(node, admin, "bob", isAdmin: false);
        string bob = Rest.Dremio(await Rest.LoginAsync(node, "bob", BobPassword));

        string bobs = await SubmitAsync(node, bob, "SELECT 42 AS answer");
        string admins = await SubmitAsync(node, admin, "SELECT count(*) FROM range(100000000000)");
        await Poll.UntilAsync(async () => await StateAsync(node, admin, admins) == "RUNNING", TimeSpan.FromSeconds(30), "the admin's job to run");

        foreach (string path in new[] { $"/api/v3/job/{admins}", $"/api/v3/job/{admins}/results" })
        {
            await Rest.ExpectAsync(Rest.SendAsync(node, HttpMethod.Get, path, bob), HttpStatusCode.NotFound, $"No job '{admins}'");
        }

        await Rest.ExpectAsync(Rest.SendAsync(node, HttpMethod.Post, $"/api/v3/job/{admins}/cancel", bob), HttpStatusCode.NotFound, $"No job '{admins}'");
        Assert.Equal("RUNNING", await StateAsync(node, admin, admins));

        await Poll.UntilAsync(async () => await StateAsync(node, bob, bobs) == "COMPLETED", TimeSpan.FromSeconds(30), "bob's job to complete");
        Assert.Equal("COMPLETED", await StateAsync(node, admin, bobs));
        await Ok(Rest.SendAsync(node, HttpMethod.Get, $"/api/v3/job/{bobs}/results", admin));
        await Ok(Rest.SendAsync(node, HttpMethod.Post, $"/api/v3/job/{admins}/cancel", admin));
        await Poll.UntilAsync(async () => await StateAsync(node, admin, admins) == "CANCELED", TimeSpan.FromSeconds(30), "the admin's job to be canceled");
    }

    private async Task<(NodeProcess Node, string Admin)> StartWithAdminAsync()
    {
        NodeProcess node = await Cluster.StartAsync("m1");
        await NodeCluster.WaitForMasterAsync(node);
        return (node, Rest.Dremio(await Rest.LoginAsync(node, TestCredentials.User, TestCredentials.Password)));
    }

    private static Task<string> CreateUserAsync(NodeProcess node, string admin, string name, bool isAdmin) =>
        Rest.ExpectAsync(Rest.SendAsync(node, HttpMethod.Post, "/api/v3/user", admin, new { name, password = BobPassword, admin = isAdmin }), HttpStatusCode.Created, name);

    private static async Task<string> SubmitAsync(NodeProcess node, string authorization, string sql)
    {
        using JsonDocument job = await JsonAsync(Rest.SendAsync(node, HttpMethod.Post, "/api/v3/sql", authorization, new { sql }));
        return job.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<string> StateAsync(NodeProcess node, string authorization, string job)
    {
        using JsonDocument json = await JsonAsync(Rest.SendAsync(node, HttpMethod.Get, $"/api/v3/job/{job}", authorization));
        return json.RootElement.GetProperty("jobState").GetString()!;
    }

    private static async Task Ok(Task<HttpResponseMessage> sending)
    {
        using HttpResponseMessage response = await sending;
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonDocument> JsonAsync(Task<HttpResponseMessage> sending)
    {
        using HttpResponseMessage response = await sending;
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }
}
