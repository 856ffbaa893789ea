using System.Net.Http.Json;
using System.Text.Json;
using OrleansHa.Node.Tests.Failover;
using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Sql;

/// <summary>What a query's user sees when the executor or coordinator running it dies: a clear, retriable end, never a hang.</summary>
public sealed class ExecutorLossTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    private static readonly HttpClient Http = TestCredentials.CreateHttpClient(TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Sigkill_of_the_executor_of_a_running_query_ends_the_job_interrupted()
    {
        NodeProcess coordinator = await Cluster.StartAsync("m1", true, "services.executor.enabled=false");
        await NodeCluster.WaitForMasterAsync(coordinator);
        NodeProcess executor = await Cluster.StartAsync("e1", false, "services.coordinator.enabled=false", "services.executor.enabled=true");
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Nodes.Contains("e1"), TimeSpan.FromSeconds(30), "the executor to join");

        using HttpResponseMessage submitted = await Http.PostAsJsonAsync(new Uri(coordinator.WebUrl + "/api/v3/sql"), new { sql = "SELECT sum(hash(i)) FROM range(10000000000000) t(i)" });
        string id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await Poll.UntilAsync(async () => await StateAsync(coordinator, id) == "RUNNING", TimeSpan.FromSeconds(30), "the job to run");

        await executor.KillAsync();

        await Poll.UntilAsync(async () => await StateAsync(coordinator, id) == "INTERRUPTED", TimeSpan.FromSeconds(60), "the job to end INTERRUPTED");
        using JsonDocument job = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"{coordinator.WebUrl}/api/v3/job/{id}")));
        Assert.Contains("executor", job.RootElement.GetProperty("errorMessage").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sigkill_of_the_coordinator_of_a_running_query_ends_the_job_interrupted_as_any_coordinator_reports()
    {
        NodeProcess master = await Cluster.StartAsync("m1", true, "services.executor.enabled=false");
        await NodeCluster.WaitForMasterAsync(master);
        NodeProcess coordinator = await Cluster.StartAsync("c1", false, "services.executor.enabled=false");
        await Cluster.StartAsync("e1", false, "services.coordinator.enabled=false", "services.executor.enabled=true");
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(master)).Nodes.Contains("e1"), TimeSpan.FromSeconds(30), "the executor to join");

        using HttpResponseMessage submitted = await Http.PostAsJsonAsync(new Uri(coordinator.WebUrl + "/api/v3/sql"), new { sql = "SELECT sum(hash(i)) FROM range(10000000000000) t(i)" });
        string id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await Poll.UntilAsync(async () => await StateAsync(master, id) == "RUNNING", TimeSpan.FromSeconds(30), "the job to run");

        await coordinator.KillAsync();

        await Poll.UntilAsync(async () => await StateAsync(master, id) == "INTERRUPTED", TimeSpan.FromSeconds(60), "the job to end INTERRUPTED");
        using JsonDocument job = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"{master.WebUrl}/api/v3/job/{id}")));
        Assert.Contains("coordinator", job.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Contains("submit the query again", job.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_whose_coordinator_and_executor_live_completes_through_a_master_failover()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync("services.executor.enabled=false");
        NodeProcess coordinator = await Cluster.StartAsync("c1", false, "services.executor.enabled=false");
        await Cluster.StartAsync("e1", false, "services.coordinator.enabled=false", "services.executor.enabled=true");
        await Poll.UntilAsync(async () => (await NodeCluster.ViewAsync(coordinator)).Nodes.Contains("e1"), TimeSpan.FromSeconds(30), "the executor to join");

        // Long enough to be running when the master dies, short enough to finish soon after.
        using HttpResponseMessage submitted = await Http.PostAsJsonAsync(new Uri(coordinator.WebUrl + "/api/v3/sql"), new { sql = "SELECT count(*) AS n FROM range(3000000000)" });
        string id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await Poll.UntilAsync(async () => await StateAsync(coordinator, id) == "RUNNING", TimeSpan.FromSeconds(30), "the job to run");

        DateTimeOffset killedAt = DateTimeOffset.UtcNow;
        await master.KillAsync();

        await Poll.UntilAsync(async () => await StateAsync(coordinator, id) is "COMPLETED" or "FAILED" or "INTERRUPTED", TimeSpan.FromSeconds(120), "the job to end");
        using (JsonDocument job = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"{coordinator.WebUrl}/api/v3/job/{id}"))))
        {
            Assert.True(
                job.RootElement.GetProperty("jobState").GetString() == "COMPLETED",
                $"the job ended {job.RootElement.GetProperty("jobState").GetString()}: {job.RootElement.GetProperty("errorMessage").GetString()}");
            Assert.True(job.RootElement.GetProperty("endedAt").GetDateTimeOffset() > killedAt, "the query was still running when the master died");
        }

        Assert.Equal(standby.Name, (await NodeCluster.ViewAsync(coordinator)).Master);
        using JsonDocument page = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"{coordinator.WebUrl}/api/v3/job/{id}/results")));
        Assert.Equal(3_000_000_000, page.RootElement.GetProperty("rows")[0][0].GetInt64());
        Assert.True((await NodeCluster.ViewAsync(coordinator)).Epoch > before.Epoch);
    }

    private static async Task<string?> StateAsync(NodeProcess via, string id)
    {
        using JsonDocument job = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"{via.WebUrl}/api/v3/job/{id}")));
        return job.RootElement.GetProperty("jobState").GetString();
    }
}
