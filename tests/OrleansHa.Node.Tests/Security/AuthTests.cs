using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Orleans.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Abstractions.Security;
using OrleansHa.Node.Tests.Failover;
using OrleansHa.Testing;
using static OrleansHa.Node.Tests.Security.Rest;

namespace OrleansHa.Node.Tests.Security;

/// <summary>Users and tokens on real nodes: Dremio's login, both token headers, the dashboard's login, grain clients.</summary>
public sealed class AuthTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    [Fact]
    public async Task Server_status_is_open_and_everything_else_needs_a_valid_token()
    {
        NodeProcess node = await StartMasterAsync();
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.GetAsync(new Uri(node.WebUrl + "/apiv2/server_status"))).StatusCode);

        foreach (string path in new[] { "/api/v3/cluster", "/api/v3/catalog/sources", "/api/v3/job/" + Guid.NewGuid(), "/api/v3/user" })
        {
            await ExpectUnauthorizedAsync(SendAsync(node, HttpMethod.Get, path, authorization: null), "an Authorization header is required");
            await ExpectUnauthorizedAsync(SendAsync(node, HttpMethod.Get, path, "_dremio" + "v2.1.aWQ.YWRtaW4.0.99999999999." + Convert.ToBase64String(new byte[32]).TrimEnd('=')), "not issued by this cluster");
            await ExpectUnauthorizedAsync(SendAsync(node, HttpMethod.Get, path, "_dremiogarbage"), "malformed");
            await ExpectUnauthorizedAsync(SendAsync(node, HttpMethod.Get, path, "Token abc"), "must be");
        }

        await ExpectUnauthorizedAsync(SendAsync(node, HttpMethod.Post, "/api/v3/sql", authorization: null, body: new { sql = "SELECT 1" }), "Authorization header");
    }

    [Fact]
    public async Task Login_returns_a_token_that_works_as_dremio_and_as_bearer_on_every_coordinator()
    {
        NodeProcess master = await StartMasterAsync();
        NodeProcess coordinator = await Cluster.StartAsync("c2", master: false);

        string token = await LoginAsync(master, TestCredentials.User, TestCredentials.Password);

        foreach (NodeProcess node in new[] { master, coordinator })
        {
            foreach (string header in new[] { "_dremio" + token, "Bearer " + token })
            {
                using HttpResponseMessage response = await SendAsync(node, HttpMethod.Get, "/api/v3/catalog/sources", header);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{node.Name} with {header[..7]}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    [Theory]
    [InlineData(TestCredentials.User, "wrong password")]
    [InlineData("nobody", TestCredentials.Password)]
    [InlineData("", "")]
    public async Task A_wrong_login_is_401_and_says_only_that(string user, string password)
    {
        NodeProcess node = await StartMasterAsync();

        using HttpResponseMessage response = await Anonymous.PostAsJsonAsync(new Uri(node.WebUrl + "/apiv2/login"), new { userName = user, password });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        string message = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errorMessage").GetString()!;
        Assert.True(message is "Wrong user name or password." or "A user name and a password are required.", message);
    }

    [Fact]
    public async Task A_name_the_user_table_cannot_hold_is_a_wrong_login_and_the_nodes_name_is_reserved()
    {
        NodeProcess node = await StartMasterAsync();
        await ExpectUnauthorizedAsync(
            Anonymous.PostAsJsonAsync(new Uri(node.WebUrl + "/apiv2/login"), new { userName = new string('u', 300), password = "x" }), "Wrong user name or password");

        string admin = "_dremio" + await LoginAsync(node, TestCredentials.User, TestCredentials.Password);
        using HttpResponseMessage reserved = await SendAsync(node, HttpMethod.Post, "/api/v3/user", admin, new { name = "orleans-ha-node", password = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, reserved.StatusCode);
    }

    [Fact]
    public async Task Users_are_created_changed_and_dropped_through_the_master_and_only_their_hash_is_stored()
    {
        NodeProcess node = await StartMasterAsync();
        string admin = "_dremio" + await LoginAsync(node, TestCredentials.User, TestCredentials.Password);

        using (HttpResponseMessage created = await SendAsync(node, HttpMethod.Post, "/api/v3/user", admin, new { name = "ada", password = "first secret" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (HttpResponseMessage again = await SendAsync(node, HttpMethod.Post, "/api/v3/user", admin, new { name = "ada", password = "x" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        await LoginAsync(node, "ada", "first secret");
        using (HttpResponseMessage changed = await SendAsync(node, HttpMethod.Put, "/api/v3/user/ada", admin, new { password = "second secret" }))
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        }

        await ExpectUnauthorizedAsync(Anonymous.PostAsJsonAsync(new Uri(node.WebUrl + "/apiv2/login"), new { userName = "ada", password = "first secret" }), "Wrong user name or password");
        await LoginAsync(node, "ada", "second secret");

        // The store runs in WAL mode and checkpoints on close, so the user rows may still be in metadata.db-wal:
        // read every file of the store, and first see that the row of "ada" is among what was read.
        string metadata = string.Concat(await Task.WhenAll(
            Directory.EnumerateFiles(Cluster.SharedDb, "metadata.db*").Select(f => File.ReadAllTextAsync(f, Encoding.Latin1))));
        Assert.Contains("ada", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("first secret", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("second secret", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCredentials.Password, metadata, StringComparison.Ordinal);

        using (HttpResponseMessage dropped = await SendAsync(node, HttpMethod.Delete, "/api/v3/user/ada", admin))
        {
            Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        }

        await ExpectUnauthorizedAsync(Anonymous.PostAsJsonAsync(new Uri(node.WebUrl + "/apiv2/login"), new { userName = "ada", password = "second secret" }), "Wrong user name or password");
    }

    [Fact]
    public async Task The_dashboard_asks_a_browser_to_log_in_and_accepts_the_users_password()
    {
        NodeProcess node = await StartMasterAsync();

        using (HttpResponseMessage challenge = await SendAsync(node, HttpMethod.Get, "/dashboard", authorization: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
            Assert.Equal("Basic", challenge.Headers.WwwAuthenticate.Single().Scheme);
        }

        await ExpectUnauthorizedAsync(SendAsync(node, HttpMethod.Get, "/dashboard", Basic(TestCredentials.User, "wrong")), "Wrong user name or password");
        for (int i = 0; i < 3; i++)
        {
            // The page itself: "/dashboard" redirects here, and a redirect drops the Authorization header.
            using HttpResponseMessage page = await SendAsync(node, HttpMethod.Get, "/dashboard/", Basic(TestCredentials.User, TestCredentials.Password));
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode} {await page.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task A_grain_client_is_refused_without_a_token_and_served_with_one()
    {
        NodeProcess node = await StartMasterAsync();
        using IHost host = await StartRawClientAsync();
        IClusterClient client = host.Services.GetRequiredService<IClusterClient>();
        ClusterView view = await NodeCluster.WaitForMasterAsync(node);
        long epoch = view.Epoch;

        var refused = await Assert.ThrowsAsync<AuthenticationFailedException>(() => client.GetGrain<IMasterGrain>(epoch).ListSourcesAsync());
        Assert.Contains("needs a token", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AuthenticationFailedException>(() => client.GetGrain<ILoginGrain>(0).LoginAsync(TestCredentials.User, "wrong"));

        // A streamed call reaches the grain through Orleans' enumeration extension: it is checked all the same.
        var streamed = await Assert.ThrowsAsync<AuthenticationFailedException>(async () =>
        {
            await foreach (var _ in client.GetGrain<IQueryGrain>(Guid.NewGuid()).RunAsync("SELECT 1"))
            {
            }
        });
        Assert.Contains("needs a token", streamed.Message, StringComparison.Ordinal);

        string token = await client.GetGrain<ILoginGrain>(0).LoginAsync(TestCredentials.User, TestCredentials.Password);
        RequestContext.Set(AuthTokens.RequestContextKey, token);
        try
        {
            Assert.Empty(await client.GetGrain<IMasterGrain>(epoch).ListSourcesAsync());

            // A user's token does not open the cluster's internals: hashes, job records, executors with any directory.
            var internals = await Assert.ThrowsAsync<AuthenticationFailedException>(() => client.GetGrain<IMasterGrain>(epoch).GetPasswordHashAsync(TestCredentials.User));
            Assert.Contains("for the cluster's own nodes", internals.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<AuthenticationFailedException>(() => client.GetGrain<IMasterGrain>(epoch).CreateUserAsync("x", "not a hash", admin: true));
            await Assert.ThrowsAsync<AuthenticationFailedException>(async () =>
            {
                var request = new QueryRequest(Guid.NewGuid(), "SELECT * FROM read_csv('/etc/passwd')", [new SourceInfo("root", "/")], []);
                await foreach (var _ in client.GetGrain<IExecutorGrain>(view.MasterSilo!).ExecuteAsync(request))
                {
                }
            });

            RequestContext.Set(AuthTokens.RequestContextKey, token + "x");
            await Assert.ThrowsAsync<AuthenticationFailedException>(() => client.GetGrain<IMasterGrain>(epoch).ListSourcesAsync());
        }
        finally
        {
            RequestContext.Clear();
        }
    }

    [Fact]
    public async Task A_grain_client_reaches_only_what_is_meant_for_applications_whatever_its_token()
    {
        NodeProcess node = await StartMasterAsync();
        string admin = Dremio(await LoginAsync(node, TestCredentials.User, TestCredentials.Password));
        using (HttpResponseMessage created = await SendAsync(node, HttpMethod.Post, "/api/v3/user", admin, new { name = "bob", password = "bob's" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using IHost host = await StartRawClientAsync();
        IClusterClient client = host.Services.GetRequiredService<IClusterClient>();
        ClusterView view = await NodeCluster.WaitForMasterAsync(node);
        SiloAddress silo = SiloAddress.FromParsableString(view.MasterSilo!);
        IMasterGrain master = client.GetGrain<IMasterGrain>(view.Epoch);
        RequestContext.Set(AuthTokens.RequestContextKey, await client.GetGrain<ILoginGrain>(0).LoginAsync("bob", "bob's"));
        try
        {
            // What applications use works.
            Assert.Equal(view.Epoch, (await client.GetGrain<IClusterStatusGrain>(0).GetStatusAsync()).Master!.Epoch);
            Assert.Empty(await master.ListSourcesAsync());
            await foreach (ArrowBatch batch in client.GetGrain<IQueryGrain>(Guid.NewGuid()).RunAsync("SELECT 1 AS one"))
            {
                Assert.Equal(1, batch.RowCount);
            }

            // Cancelling a streamed query reaches the query (Orleans' cancellation extension is let through).
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var canceled = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await foreach (var _ in client.GetGrain<IQueryGrain>(Guid.NewGuid()).RunAsync("SELECT count(*) FROM range(100000000000)", cancel.Token))
                {
                }
            });
            Assert.False(canceled is AuthenticationFailedException, canceled.ToString());

            // The node-only methods, the executors, Orleans' own grains and system targets: refused with a token too.
            var refusals = new (string What, Func<Task> Call)[]
            {
                ("password hashes", () => master.GetPasswordHashAsync(TestCredentials.User)),
                ("user writes with a hash", () => master.CreateUserAsync("mallory", "hash", admin: true)),
                ("password writes", () => master.SetPasswordAsync("bob", "hash")),
                ("job records", () => master.RecordJobAsync(new JobInfo(Guid.NewGuid(), "SELECT 1", JobState.Completed, DateTimeOffset.UtcNow, null, null, 0, null, "c"))),
                ("an executor's load", () => client.GetGrain<IExecutorGrain>(view.MasterSilo!).GetRunningCountAsync()),
                ("the management grain", () => client.GetGrain<IManagementGrain>(0).GetHosts()),
                ("the membership system target", () => CallInternal(
                    "Orleans.Runtime.IMembershipService, Orleans.Core",
                    type => AsReference(client.GetGrain(SystemTargetGrainId.Create(SystemTargetGrainId.CreateGrainType("clustering"), silo).GrainId), type),
                    "Ping",
                    7)),
                ("the dashboard's grain", () => CallInternal("Orleans.Dashboard.Core.IDashboardGrain, Orleans.Dashboard", type => client.GetGrain(type, 0L), "GetClusterTracing")),
            };
            foreach ((string what, Func<Task> call) in refusals)
            {
                Exception? refused = await Record.ExceptionAsync(call);
                Assert.True(
                    refused is AuthenticationFailedException && refused.Message.Contains("for the cluster's own nodes", StringComparison.Ordinal),
                    $"{what}: {refused?.ToString() ?? "not refused"}");
            }

            // The user a call is for is the token's: a client naming another in the request context changes nothing.
            RequestContext.Set("orleans-ha.caller", TestCredentials.User);
            var denied = await Assert.ThrowsAsync<PermissionDeniedException>(() => master.CreateSourceAsync("etc", "/etc"));
            Assert.Equal("Creating a source needs the admin role, which user 'bob' does not have.", denied.Message);
            Assert.Equal(PermissionDeniedException.AdminRole, denied.RequiredRole);

            // Another user's job cannot be cancelled through its grain either.
            using JsonDocument job = JsonDocument.Parse(await (await SendAsync(node, HttpMethod.Post, "/api/v3/sql", admin, new { sql = "SELECT 1" })).Content.ReadAsStringAsync());
            Guid adminsJob = Guid.Parse(job.RootElement.GetProperty("id").GetString()!);
            var notYours = await Assert.ThrowsAsync<PermissionDeniedException>(() => client.GetGrain<IQueryGrain>(adminsJob).CancelAsync());
            Assert.Contains("cancels only its own jobs", notYours.Message, StringComparison.Ordinal);
        }
        finally
        {
            RequestContext.Clear();
        }
    }

    /// <summary>Calls a method of an interface internal to Orleans, as a modified client could.</summary>
    private static Task CallInternal(string interfaceName, Func<Type, object> reference, string method, params object?[] arguments)
    {
        Type type = Type.GetType(interfaceName, throwOnError: true)!;
        System.Reflection.MethodInfo info = type.GetMethod(method)!;

        // Parameters past the ones given (a cancellation token, say) get their defaults.
        object?[] all = [.. info.GetParameters().Select((p, i) => i < arguments.Length ? arguments[i] : p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null)];
        return (Task)info.Invoke(reference(type), all)!;
    }

    private static object AsReference(IAddressable grain, Type type) =>
        typeof(GrainExtensions).GetMethod(nameof(GrainExtensions.AsReference), 1, [typeof(IAddressable)])!.MakeGenericMethod(type).Invoke(null, [grain])!;

    private async Task<NodeProcess> StartMasterAsync()
    {
        NodeProcess node = await Cluster.StartAsync("m1");
        await NodeCluster.WaitForMasterAsync(node);
        return node;
    }
}
