using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansHa.Node.Tests.Failover;
using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Sql;

/// <summary>Dremio's SQL and job REST API on a real node: submit, follow, page, fail clearly.</summary>
public sealed class SqlApiTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    private const int People = 1200;
    private static readonly HttpClient Http = TestCredentials.CreateHttpClient(TimeSpan.FromSeconds(30));
    private NodeProcess _node = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        string data = Path.Combine(Cluster.Root, "people");
        Directory.CreateDirectory(data);
        var csv = new StringBuilder("id,name\n");
        for (int i = 1; i <= People; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},person {i}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(data, "people.csv"), csv.ToString());
        _node = await Cluster.StartAsync("n1");
        await NodeCluster.WaitForMasterAsync(_node);
        await PostAsync("/api/v3/catalog/sources", JsonSerializer.Serialize(new { name = "people", path = data }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_query_completes_and_its_results_page_as_dremio_pages_them()
    {
        string id = await SubmitAsync("SELECT id, name FROM people ORDER BY id");
        JsonElement job = await WaitForEndAsync(id);
        Assert.Equal("COMPLETED", job.GetProperty("jobState").GetString());
        Assert.Equal(People, job.GetProperty("rowCount").GetInt64());

        JsonElement first = await GetJsonAsync($"/api/v3/job/{id}/results?offset=0&limit=500");
        Assert.Equal(500, first.GetProperty("rows").GetArrayLength());
        Assert.Equal(1, first.GetProperty("rows")[0][0].GetInt64());
        Assert.Equal("person 1", first.GetProperty("rows")[0][1].GetString());
        Assert.Equal(["id", "name"], first.GetProperty("schema").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        JsonElement last = await GetJsonAsync($"/api/v3/job/{id}/results?offset=1000&limit=500");
        Assert.Equal(200, last.GetProperty("rows").GetArrayLength());
        Assert.Equal(1001, last.GetProperty("rows")[0][0].GetInt64());
        Assert.Equal(0, (await GetJsonAsync($"/api/v3/job/{id}/results?offset=5000&limit=10")).GetProperty("rows").GetArrayLength());
        await GetAsync($"/api/v3/job/{id}/results?limit=501", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Any_coordinator_answers_for_and_pages_any_job()
    {
        NodeProcess other = await Cluster.StartAsync("c2", master: false);
        string id = await SubmitAsync("SELECT count(*) AS n FROM people");
        await WaitForEndAsync(id);

        using JsonDocument page = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"{other.WebUrl}/api/v3/job/{id}/results")));
        Assert.Equal(People, page.RootElement.GetProperty("rows")[0][0].GetInt64());
    }

    [Theory]
    [InlineData("SELEC 1", "syntax")]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", "/etc/passwd")]
    public async Task A_failing_query_ends_failed_with_the_reason(string sql, string reason)
    {
        JsonElement job = await WaitForEndAsync(await SubmitAsync(sql));
        Assert.Equal("FAILED", job.GetProperty("jobState").GetString());
        Assert.Contains(reason, job.GetProperty("errorMessage").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Cancel_stops_a_running_query()
    {
        string id = await SubmitAsync("SELECT sum(hash(i)) FROM range(10000000000000) t(i)");
        await Poll.UntilAsync(async () => (await GetJsonAsync($"/api/v3/job/{id}")).GetProperty("jobState").GetString() == "RUNNING", TimeSpan.FromSeconds(30), "the job to run");
        await PostAsync($"/api/v3/job/{id}/cancel", "{}", HttpStatusCode.OK);
        JsonElement job = await WaitForEndAsync(id);
        Assert.Equal("CANCELED", job.GetProperty("jobState").GetString());
        await GetAsync($"/api/v3/job/{id}/results", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_view_is_a_name_for_SQL_that_queries_use_and_a_change_to_it_is_seen_by_the_next_query()
    {
        await SendAsync(HttpMethod.Put, "/api/v3/catalog/views/early", new { sql = "SELECT * FROM people WHERE id <= 10" }, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Put, "/api/v3/catalog/views/early_names", new { sql = "SELECT name FROM early" }, HttpStatusCode.Created);
        Assert.Equal(10, await CountAsync("SELECT count(*) FROM early_names"));

        string replaced = await SendAsync(HttpMethod.Put, "/api/v3/catalog/views/early", new { sql = "SELECT * FROM people WHERE id <= 20" }, HttpStatusCode.OK);
        Assert.Equal(2, JsonDocument.Parse(replaced).RootElement.GetProperty("version").GetInt64());
        Assert.Equal(20, await CountAsync("SELECT count(*) FROM early_names"));

        JsonElement catalog = await GetJsonAsync("/api/v3/catalog");
        Assert.Equal(
            ["source:people", "dataset:early", "dataset:early_names"],
            catalog.GetProperty("data").EnumerateArray().Select(e => $"{e.GetProperty("entityType").GetString()}:{e.GetProperty("name").GetString()}"));

        await SendAsync(HttpMethod.Put, "/api/v3/catalog/views/people", new { sql = "SELECT 1" }, HttpStatusCode.Conflict);
        await SendAsync(HttpMethod.Put, "/api/v3/catalog/views/bad%20name", new { sql = "SELECT 1" }, HttpStatusCode.BadRequest);
        await SendAsync(HttpMethod.Put, "/api/v3/catalog/views/empty", new { sql = "" }, HttpStatusCode.BadRequest);

        await SendAsync(HttpMethod.Delete, "/api/v3/catalog/views/early_names", null, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Delete, "/api/v3/catalog/views/early_names", null, HttpStatusCode.NotFound);
        JsonElement failed = await WaitForEndAsync(await SubmitAsync("SELECT * FROM early_names"));
        Assert.Equal("FAILED", failed.GetProperty("jobState").GetString());
        Assert.Contains("early_names", failed.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_is_canceled_through_another_coordinator()
    {
        NodeProcess other = await Cluster.StartAsync("c2", master: false);
        string id = await SubmitAsync("SELECT sum(hash(i)) FROM range(10000000000000) t(i)");
        await Poll.UntilAsync(async () => (await GetJsonAsync($"/api/v3/job/{id}")).GetProperty("jobState").GetString() == "RUNNING", TimeSpan.FromSeconds(30), "the job to run");

        using (HttpResponseMessage canceled = await Http.PostAsync(new Uri($"{other.WebUrl}/api/v3/job/{id}/cancel"), null))
        {
            Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        }

        Assert.Equal("CANCELED", (await WaitForEndAsync(id)).GetProperty("jobState").GetString());
    }

    [Fact]
    public async Task Bad_requests_get_clear_statuses()
    {
        await GetAsync($"/api/v3/job/{Guid.NewGuid()}", HttpStatusCode.NotFound);
        await GetAsync("/api/v3/job/not-a-job-id", HttpStatusCode.NotFound);
        await PostAsync("/api/v3/sql", "{ not json", HttpStatusCode.BadRequest);
        await PostAsync("/api/v3/sql", "{\"sql\": \"\"}", HttpStatusCode.BadRequest);
    }

    private async Task<long> CountAsync(string sql)
    {
        string id = await SubmitAsync(sql);
        JsonElement job = await WaitForEndAsync(id);
        Assert.True(job.GetProperty("jobState").GetString() == "COMPLETED", job.ToString());
        return (await GetJsonAsync($"/api/v3/job/{id}/results")).GetProperty("rows")[0][0].GetInt64();
    }

    private async Task<string> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(_node.WebUrl + path)) { Content = body is null ? null : JsonContent.Create(body) };
        using HttpResponseMessage response = await Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text;
    }

    private async Task<string> SubmitAsync(string sql)
    {
        string body = await PostAsync("/api/v3/sql", JsonSerializer.Serialize(new { sql }), HttpStatusCode.OK);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> WaitForEndAsync(string id)
    {
        JsonElement job = default;
        await Poll.UntilAsync(
            async () =>
            {
                job = await GetJsonAsync($"/api/v3/job/{id}");
                return job.GetProperty("jobState").GetString() is "COMPLETED" or "FAILED" or "CANCELED" or "INTERRUPTED";
            },
            TimeSpan.FromSeconds(60),
            $"job {id} to end");
        return job;
    }

    private async Task<JsonElement> GetJsonAsync(string path) => JsonDocument.Parse(await GetAsync(path, HttpStatusCode.OK)).RootElement;

    private async Task<string> GetAsync(string path, HttpStatusCode expected)
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri(_node.WebUrl + path));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"GET {path}: {(int)response.StatusCode} {body}");
        return body;
    }

    private async Task<string> PostAsync(string path, string json, HttpStatusCode expected)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Http.PostAsync(new Uri(_node.WebUrl + path), content);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: {(int)response.StatusCode} {body}");
        return body;
    }
}
