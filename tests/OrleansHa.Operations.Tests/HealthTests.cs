using System.Net;
using System.Text.Json;

namespace OrleansHa.Operations.Tests;

/// <summary><c>/health/live</c> and <c>/health/ready</c> of real node processes, open to probes without a login.</summary>
public sealed class HealthTests(ZooKeeperFixture zooKeeper) : OperationsTest(zooKeeper)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task A_coordinator_is_live_at_once_and_ready_only_once_a_master_is_known()
    {
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);
        await Poll.UntilAsync(async () => (await GetAsync(coordinator, "/health/live")).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "c1 to be live");
        (HttpStatusCode status, string? reason) = await GetAsync(coordinator, "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("no active master", reason, StringComparison.Ordinal);

        NodeProcess master = await Cluster.StartAsync("m1");
        foreach (NodeProcess node in new[] { coordinator, master })
        {
            await Poll.UntilAsync(async () => (await GetAsync(node, "/health/ready")).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), $"{node.Name} to be ready");
        }

        Assert.Contains("master epoch", (await GetAsync(coordinator, "/health/ready")).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_executor_is_ready_once_it_is_an_active_member_whatever_the_master()
    {
        NodeProcess executor = await Cluster.StartAsync("e1", false, "services.coordinator.enabled=false", "services.executor.enabled=true");
        await Poll.UntilAsync(async () => (await GetAsync(executor, "/health/ready")).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "e1 to be ready without a master");
        Assert.Equal(503, await executor.ServerStatusAsync());
    }

    private static async Task<(HttpStatusCode Status, string? Reason)> GetAsync(NodeProcess node, string path)
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri(node.WebUrl + path));
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.GetProperty("reason").GetString());
    }
}
