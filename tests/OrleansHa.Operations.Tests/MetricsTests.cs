using Xunit.Abstractions;

namespace OrleansHa.Operations.Tests;

/// <summary><c>/metrics</c> of real node processes: Prometheus text with OrleansHa's, Orleans' and the runtime's meters.</summary>
public sealed class MetricsTests(ZooKeeperFixture zooKeeper, ITestOutputHelper output) : OperationsTest(zooKeeper)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task A_scrape_after_a_master_failover_shows_the_new_epoch_and_one_more_failover()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        await Poll.UntilAsync(async () => (await MetricsScrape.ReadAsync(Http, standby.WebUrl))["orleansha_master_standbys"] == 1, TimeSpan.FromSeconds(30), "the standby to be counted");
        MetricsScrape first = await MetricsScrape.ReadAsync(Http, standby.WebUrl);
        Assert.Equal(before.Epoch, first["orleansha_master_epoch"]);
        Assert.Equal(0, first["orleansha_master_failovers"]);
        Assert.Equal(1, first["orleansha_zookeeper_session_state{state=\"Connected\"}"]);
        Assert.Contains(first.Families, f => f.StartsWith("orleansha_zookeeper_request_duration", StringComparison.Ordinal));
        Assert.Contains(first.Families, f => f.StartsWith("microsoft_orleans_", StringComparison.Ordinal));
        Assert.Contains(first.Families, f => f.StartsWith("system_runtime_", StringComparison.Ordinal));
        Assert.Contains(first.Families, f => f == "process_cpu_seconds_total");

        await master.KillAsync();
        ClusterView after = await NodeCluster.WaitForMasterAsync(standby, not: master.Name, afterEpoch: before.Epoch);

        // The failover is counted once its tenure is read from the new master (for the store's time to take over).
        MetricsScrape? second = null;
        await Poll.UntilAsync(async () => (second = await MetricsScrape.ReadAsync(Http, standby.WebUrl))["orleansha_master_failovers"] >= 1, TimeSpan.FromSeconds(30), "the failover to be counted");
        TestReport.Line(output, $"metrics on {standby.Name}: epoch {first["orleansha_master_epoch"]} -> {second!["orleansha_master_epoch"]}, failovers {first["orleansha_master_failovers"]} -> {second["orleansha_master_failovers"]}, takeover histogram count {second["orleansha_master_takeover_duration_count"]}, time to take over {second["orleansha_master_takeover_duration_sum"]:0.000} s");
        Assert.Equal(after.Epoch, second["orleansha_master_epoch"]);
        Assert.True(second["orleansha_master_epoch"] > first["orleansha_master_epoch"]);
        Assert.Equal(1, second["orleansha_master_failovers"]);
        Assert.Equal(1, second["orleansha_master_takeover_duration_count"]);
        // From the killed master's last heartbeat in the store to the new tenure: above zero, within the failover bound.
        Assert.InRange(second["orleansha_master_takeover_duration_sum"], 0.0001, NodeCluster.TakeoverBound.TotalSeconds);
        Assert.Equal(0, second["orleansha_master_standbys"]);
    }
}
