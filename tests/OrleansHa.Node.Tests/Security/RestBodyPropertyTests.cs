using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using OrleansHa.Node.Tests.Failover;
using Xunit.Abstractions;

namespace OrleansHa.Node.Tests.Security;

/// <summary>
/// Generated bad request bodies (FsCheck), random and mutated from good ones, sent by an admin to every endpoint
/// of a real node that takes a body: each answers, never with a 5xx, a refusal says what was wrong, and nothing is
/// lost or half made: what was acknowledged is there, and only that.
/// </summary>
public sealed class RestBodyPropertyTests(EnsembleFixture zk, ITestOutputHelper output) : NodeClusterTest(zk)
{
    private const string JsonAlphabet = "{}[]:,\"\\ \n0123456789.-+eE truefalsnl abcxyz/\u00e9\u0000";

    [Fact]
    public async Task Every_body_gets_an_answer_and_a_refusal_changes_nothing()
    {
        NodeProcess node = await Cluster.StartAsync("m1", true, "auth.login.throttle.free-attempts=1000000");
        await NodeCluster.WaitForMasterAsync(node);
        string admin = Rest.Dremio(await Rest.LoginAsync(node, TestCredentials.User, TestCredentials.Password));
        await Rest.ExpectAsync(Rest.SendAsync(node, HttpMethod.Post, "/api/v3/catalog/spaces", admin, new { name = "s" }), HttpStatusCode.Created, "s");
        string dir = Directory.CreateDirectory(Path.Combine(Cluster.Root, "data")).FullName;

        var doors = new (HttpMethod Method, string Path, string[] Samples, int Count)[]
        {
            (HttpMethod.Post, "/apiv2/login", ["{\"userName\":\"admin\",\"password\":\"wrong\"}"], 150),
            (HttpMethod.Post, "/api/v3/sql", ["{\"sql\":\"SELECT 1\"}", "{\"sql\":\"SELECT * FROM s\",\"context\":[]}"], 300),
            (HttpMethod.Post, "/api/v3/catalog/sources", [$"{{\"name\":\"src\",\"path\":{JsonSerializer.Serialize(dir)}}}"], 300),
            (HttpMethod.Put, "/api/v3/catalog/views/v", ["{\"sql\":\"SELECT 1 AS one\"}"], 300),
            (HttpMethod.Post, "/api/v3/catalog/spaces", ["{\"name\":\"space\"}"], 300),
            (HttpMethod.Put, "/api/v3/catalog/spaces/s/entries/k", ["{\"value\":\"v\",\"expectedVersion\":0}"], 300),
            (HttpMethod.Post, "/api/v3/user", ["{\"name\":\"ada\",\"password\":\"secret\",\"admin\":false}"], 150),
            (HttpMethod.Put, "/api/v3/user/ada", ["{\"admin\":true,\"password\":\"other\"}"], 150),
            (HttpMethod.Post, "/api/v3/auth/token-key/rotate", ["{\"keepPrevious\":true}"], 50), // last: it may end the token
        };
        var acknowledged = new Dictionary<string, HashSet<string>> { ["sources"] = [], ["views"] = [], ["spaces"] = ["s"], ["users"] = ["admin"] };
        foreach ((HttpMethod method, string path, string[] samples, int count) in doors)
        {
            Gen<(string Body, string? ContentType)> inputs = Fuzz.Text(samples, JsonAlphabet)
                .SelectMany(body => Gen.Elements<string?>("application/json", "application/json", "application/json", "text/plain", null).Select(type => (body, type)));
            output.WriteLine(Fuzz.Check($"{method} {path}", inputs, count, input =>
            {
                (HttpStatusCode status, string answer) = SendAsync(node, method, path, admin, input.Body, input.ContentType).GetAwaiter().GetResult();
                Assert.True((int)status < 500, $"{method} {path} {Fuzz.Describe(input.Body)}: {(int)status} {answer}");
                if ((int)status >= 400)
                {
                    Assert.False(string.IsNullOrWhiteSpace(JsonDocument.Parse(answer).RootElement.GetProperty("errorMessage").GetString()), answer);
                }
                else
                {
                    Acknowledge(acknowledged, path, answer);
                }

                return ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }));
        }

        // Only the acknowledged changes happened. Logged in again: a rotation may have dropped the key of the first token.
        admin = Rest.Dremio(await Rest.LoginAsync(node, TestCredentials.User, TestCredentials.Password));
        using JsonDocument catalog = JsonDocument.Parse(await (await Rest.SendAsync(node, HttpMethod.Get, "/api/v3/catalog", admin)).Content.ReadAsStringAsync());
        JsonElement[] data = [.. catalog.RootElement.GetProperty("data").EnumerateArray()];
        Assert.Equal(acknowledged["sources"].Order(), data.Where(d => d.GetProperty("entityType").GetString() == "source").Select(d => d.GetProperty("name").GetString()!).Order());
        Assert.Equal(acknowledged["views"].Order(), data.Where(d => d.GetProperty("entityType").GetString() == "dataset").Select(d => d.GetProperty("name").GetString()!).Order());
        using JsonDocument spaces = JsonDocument.Parse(await (await Rest.SendAsync(node, HttpMethod.Get, "/api/v3/catalog/spaces", admin)).Content.ReadAsStringAsync());
        Assert.Equal(acknowledged["spaces"].Order(), spaces.RootElement.EnumerateArray().Select(s => s.GetString()!).Order());
        using JsonDocument users = JsonDocument.Parse(await (await Rest.SendAsync(node, HttpMethod.Get, "/api/v3/user", admin)).Content.ReadAsStringAsync());
        Assert.Equal(acknowledged["users"].Order(), users.RootElement.EnumerateArray().Select(u => u.GetProperty("name").GetString()!).Order());
        Assert.Equal(200, await node.ServerStatusAsync());
    }

    private static void Acknowledge(Dictionary<string, HashSet<string>> acknowledged, string path, string answer)
    {
        string? kind = path switch
        {
            "/api/v3/catalog/sources" => "sources",
            "/api/v3/catalog/views/v" => "views",
            "/api/v3/catalog/spaces" => "spaces",
            "/api/v3/user" => "users",
            _ => null,
        };
        if (kind is not null)
        {
            acknowledged[kind].Add(JsonDocument.Parse(answer).RootElement.GetProperty("name").GetString()!);
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(NodeProcess node, HttpMethod method, string path, string authorization, string body, string? contentType)
    {
        using var request = new HttpRequestMessage(method, new Uri(node.WebUrl + path)) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using HttpResponseMessage response = await Rest.Anonymous.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
