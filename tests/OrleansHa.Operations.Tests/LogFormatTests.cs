using System.Text.Json;

namespace OrleansHa.Operations.Tests;

/// <summary><c>log.format = json</c>: one JSON object per console line, the values of each message as properties.</summary>
public sealed class LogFormatTests(ZooKeeperFixture zooKeeper) : OperationsTest(zooKeeper)
{
    [Fact]
    public async Task A_master_transition_is_one_json_line_with_its_epoch_node_and_cause()
    {
        NodeProcess master = await Cluster.StartAsync("m1", true, "log.format=json");
        ClusterView view = await NodeCluster.WaitForMasterAsync(master);

        JsonElement? transition = null;
        await Poll.UntilAsync(() => (transition = JsonLines(master).FirstOrDefault(IsBecomingActive)) is not null, TimeSpan.FromSeconds(30), "a JSON line for the transition to Active");
        JsonElement state = transition!.Value.GetProperty("State");
        Assert.Equal("Active", state.GetProperty("To").GetString());
        Assert.Equal(view.Epoch, state.GetProperty("Epoch").GetInt64());
        Assert.Equal("m1", state.GetProperty("Node").GetString());
        Assert.False(string.IsNullOrWhiteSpace(state.GetProperty("Cause").GetString()));
        Assert.Equal("OrleansHa.Grains.Election.MasterLatch", transition.Value.GetProperty("Category").GetString());
        Assert.True(transition.Value.TryGetProperty("Timestamp", out _));

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

    private static bool IsBecomingActive(JsonElement line) =>
        line.TryGetProperty("Message", out JsonElement message) && message.GetString()!.StartsWith("MASTER ", StringComparison.Ordinal)
        && message.GetString()!.Contains("-> Active ", StringComparison.Ordinal);
}
