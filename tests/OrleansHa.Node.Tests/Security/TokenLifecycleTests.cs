using System.Net;
using System.Text.Json;
using OrleansHa.Node.Tests.Failover;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Tests.Security;

/// <summary>
/// Tokens over their life on real coordinators: logged out on one coordinator and refused on all at once, ended with
/// their user's password or the user, and signed by a key that rotates without refusing a token that is still valid.
/// </summary>
public sealed class TokenLifecycleTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    private const string ShortLifetime = "15s";

    [Fact]
    public async Task Logging_out_on_one_coordinator_refuses_the_token_on_every_coordinator_at_once()
    {
        (NodeProcess m1, NodeProcess c2) = await StartTwoCoordinatorsAsync();
        string token = await Rest.LoginAsync(m1, TestCredentials.User, TestCredentials.Password);
        string other = await Rest.LoginAsync(c2, TestCredentials.User, TestCredentials.Password);
        foreach (NodeProcess node in new[] { m1, c2 })
        {
            await Rest.ExpectAsync(Rest.SendAsync(node, HttpMethod.Get, "/api/v3/catalog", Rest.Dremio(token)), HttpStatusCode.OK, "version");
        }

        await Rest.ExpectUnauthorizedAsync(Rest.SendAsync(m1, HttpMethod.Delete, "/apiv2/login", authorization: null), "an Authorization header is required");
        using (HttpResponseMessage logout = await Rest.SendAsync(m1, HttpMethod.Delete, "/apiv2/login", Rest.Dremio(token)))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        // No wait: the logout answered only once the other coordinator had it.
        foreach (NodeProcess node in new[] { c2, m1 })
        {
            await Rest.ExpectUnauthorizedAsync(Rest.SendAsync(node, HttpMethod.Get, "/api/v3/catalog", "Bearer " + token), "revoked");
        }

        // Only that token: the user's other one works on; a coordinator started afterwards refuses it too, from ZooKeeper.
        await Rest.ExpectAsync(Rest.SendAsync(m1, HttpMethod.Get, "/api/v3/catalog", Rest.Dremio(other)), HttpStatusCode.OK, "version");
        NodeProcess c3 = await Cluster.StartAsync("c3", master: false);
        await Rest.ExpectUnauthorizedAsync(Rest.SendAsync(c3, HttpMethod.Get, "/api/v3/catalog", Rest.Dremio(token)), "revoked");
        await Rest.ExpectAsync(Rest.SendAsync(c3, HttpMethod.Get, "/api/v3/catalog", Rest.Dremio(other)), HttpStatusCode.OK, "version");
    }

    [Fact]
    public async Task A_new_password_or_dropping_the_user_ends_its_tokens_on_every_coordinator()
    {
        (NodeProcess m1, NodeProcess c2) = await StartTwoCoordinatorsAsync();
        string admin = Rest.Dremio(await Rest.LoginAsync(m1, TestCredentials.User, TestCredentials.Password));
        await Rest.ExpectAsync(Rest.SendAsync(m1, HttpMethod.Post, "/api/v3/user", admin, new { name = "ada", password = "first" }), HttpStatusCode.Created, "ada");
        string first = Rest.Dremio(await Rest.LoginAsync(c2, "ada", "first"));

        await Rest.ExpectAsync(Rest.SendAsync(c2, HttpMethod.Put, "/api/v3/user/ada", first, new { password = "second" }), HttpStatusCode.OK, "ada");
        await Rest.ExpectUnauthorizedAsync(Rest.SendAsync(m1, HttpMethod.Get, "/api/v3/catalog", first), "revoked");
        string second = Rest.Dremio(await Rest.LoginAsync(m1, "ada", "second"));
        await Rest.ExpectAsync(Rest.SendAsync(c2, HttpMethod.Get, "/api/v3/catalog", second), HttpStatusCode.OK, "version");

        await Rest.ExpectAsync(Rest.SendAsync(c2, HttpMethod.Delete, "/api/v3/user/ada", admin), HttpStatusCode.OK, "ada");
        await Rest.ExpectUnauthorizedAsync(Rest.SendAsync(m1, HttpMethod.Get, "/api/v3/catalog", second), "revoked");
        await Rest.ExpectAsync(Rest.SendAsync(m1, HttpMethod.Get, "/api/v3/catalog", admin), HttpStatusCode.OK, "version");
    }

    [Fact]
    public async Task The_signing_key_rotates_and_tokens_of_the_previous_key_stay_valid_until_they_expire()
    {
        (NodeProcess m1, NodeProcess c2) = await StartTwoCoordinatorsAsync(shortLifetime: true);
        string before = await Rest.LoginAsync(m1, TestCredentials.User, TestCredentials.Password);
        Assert.StartsWith("v2.1.", before, StringComparison.Ordinal);

        string rotated = await Rest.ExpectAsync(
            Rest.SendAsync(c2, HttpMethod.Post, "/api/v3/auth/token-key/rotate", Rest.Dremio(before), new { }), HttpStatusCode.OK, "\"keyId\":2");
        Assert.Contains("\"retiredKeys\":[{\"keyId\":1", rotated, StringComparison.Ordinal);

        // The ring in ZooKeeper: key 2 current, key 1 retired but kept.
        await using (ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(TestCredentials.ZooKeeperOptions(ZooKeeper.Ensemble.ConnectionString)))
        {
            using JsonDocument ring = JsonDocument.Parse((await zk.GetDataAsync($"/orleans-ha/{Cluster.ClusterId}/auth/token-key")).Data);
            Assert.Equal([2, 1], ring.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("id").GetInt32()));
        }

        // A token of the new key, issued on the other coordinator, works on both at once; so does the old one.
        string after = await Rest.LoginAsync(m1, TestCredentials.User, TestCredentials.Password);
        Assert.StartsWith("v2.2.", after, StringComparison.Ordinal);
        foreach (NodeProcess node in new[] { c2, m1 })
        {
            foreach (string token in new[] { after, before })
            {
                await Rest.ExpectAsync(Rest.SendAsync(node, HttpMethod.Get, "/api/v3/catalog", Rest.Dremio(token)), HttpStatusCode.OK, "version");
            }
        }

        // Until it expires, one lifetime after it was issued.
        await Poll.UntilAsync(
            async () =>
            {
                using HttpResponseMessage response = await Rest.SendAsync(c2, HttpMethod.Get, "/api/v3/catalog", Rest.Dremio(before));
                return response.StatusCode == HttpStatusCode.Unauthorized && (await response.Content.ReadAsStringAsync()).Contains("expired", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(30),
            "the token of the previous key to expire");
        string fresh = await Rest.LoginAsync(c2, TestCredentials.User, TestCredentials.Password);
        Assert.StartsWith("v2.2.", fresh, StringComparison.Ordinal);
        await Rest.ExpectAsync(Rest.SendAsync(m1, HttpMethod.Get, "/api/v3/catalog", Rest.Dremio(fresh)), HttpStatusCode.OK, "version");
    }

    [Fact]
    public async Task Rotating_without_keeping_the_previous_keys_ends_every_token_at_once()
    {
        (NodeProcess m1, NodeProcess c2) = await StartTwoCoordinatorsAsync();
        string before = await Rest.LoginAsync(m1, TestCredentials.User, TestCredentials.Password);
        await Rest.ExpectAsync(
            Rest.SendAsync(m1, HttpMethod.Post, "/api/v3/auth/token-key/rotate", Rest.Dremio(before), new { keepPrevious = false }), HttpStatusCode.OK, "\"retiredKeys\":[]");

        // c2 learns it from its watch: poll, bounded by far less than the token's lifetime.
        await Poll.UntilAsync(
            async () => (await Rest.SendAsync(c2, HttpMethod.Get, "/api/v3/catalog", Rest.Dremio(before))).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(5),
            "c2 to refuse the token of the dropped key");
        await Rest.ExpectUnauthorizedAsync(Rest.SendAsync(m1, HttpMethod.Get, "/api/v3/catalog", Rest.Dremio(before)), "not issued by this cluster");
        string after = await Rest.LoginAsync(c2, TestCredentials.User, TestCredentials.Password);
        Assert.StartsWith("v2.2.", after, StringComparison.Ordinal);
    }

    /// <summary>A master and a coordinator; with <paramref name="shortLifetime"/>, tokens last <see cref="ShortLifetime"/>.</summary>
    private async Task<(NodeProcess M1, NodeProcess C2)> StartTwoCoordinatorsAsync(bool shortLifetime = false)
    {
        string[] settings = shortLifetime ? [$"auth.token.lifetime={ShortLifetime}"] : [];
        NodeProcess m1 = await Cluster.StartAsync("m1", true, settings);
        NodeProcess c2 = await Cluster.StartAsync("c2", false, settings);
        await NodeCluster.WaitForMasterAsync(m1);
        await NodeCluster.WaitForMasterAsync(c2);
        return (m1, c2);
    }
}
