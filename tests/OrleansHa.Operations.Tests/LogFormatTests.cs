using System.Text.Json;

namespace OrleansHa.Operations.Tests;

/// <summary><c>log.format = json</c>: one JSON object per console line, the values of each message as properties.</summary>
public sealed class LogFormatTests(ZooKeeperFixture zooKeeper) : OperationsTest(zooKeeper)
{
    [Fact]
    public async Task A_master_transition_is_one_json_line_with_its_epoch_node_and_time()
    {
        NodeProcess master = await Cluster.StartAsync("m1", true, "log.format=json");
        ClusterView view = await NodeCluster.WaitForMasterAsync(master);

        JsonElement? tenure = null;
        await Poll.UntilAsync(() => (tenure = JsonLines(master).FirstOrDefault(IsTenureStart)) is not null, TimeSpan.FromSeconds(30), "a JSON line for the tenure's start");
        JsonElement state = tenure!.Value.GetProperty("State");
        Assert.Equal(view.Epoch, state.GetProperty("Epoch").GetInt64());
        Assert.Equal("m1", state.GetProperty("Node").GetString());
        Assert.Equal("OrleansHa.Grains.Election.MasterElection", tenure.Value.GetProperty("Category").GetString());
        Assert.True(tenure.Value.TryGetProperty("Timestamp", out _));

        // Everything a logger wrote is JSON; only the node's own last words on a failed start are plain text.
        Assert.All(master.Lines.Where(l => l.StartsWith('{')), l => JsonDocument.Parse(l).Dispose());
    }

    [Fact]
    public async Task An_unknown_log_format_is_refused_before_the_node_joins_naming_the_key()
    {
        await using NodeProcess node = NodeProcess.Start("bad", Path.Combine(Cluster.Root, "bad"), [$"zookeeper={ZooKeeper.ConnectionString}", "log.format=xml"]);
        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(node.Lines, l => l.Contains("log.format", StringComparison.Ordinal) && l.Contains("'xml' is not a log format", StringComparison.Ordinal));
    }

    private static IEnumerable<JsonElement> JsonLines(NodeProcess node) =>
        node.Lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone());

    private static bool IsTenureStart(JsonElement line) =>
        line.TryGetProperty("Message", out JsonElement message) && message.GetString()!.StartsWith("TENURE START", StringComparison.Ordinal);
}
