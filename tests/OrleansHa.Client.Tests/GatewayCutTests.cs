using System.Diagnostics;
using OrleansHa.Client.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansHa.Client.Tests;

/// <summary>
/// A grain client cut from one coordinator's gateway (packets dropped silently both ways, the coordinator alive and
/// well for the rest of the cluster): the application goes on calling and its calls go through the other coordinators,
/// none of them waiting for the response timeout.
/// </summary>
public sealed class GatewayCutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_client_cut_from_a_gateway_goes_on_through_the_other_coordinators()
    {
        await using NetworkFabric fabric = await NetworkFabric.CreateAsync(3);
        await using var zooKeeper = new TcpProxy(_cluster.ZooKeeper.ClientPort, fabric.TestAddress);
        string viaFabric = $"zookeeper={zooKeeper.ConnectionString}";
        NodeProcess[] nodes = await Task.WhenAll(
            _cluster.Nodes.StartOnAsync(fabric.Hosts[0], "m1", true, viaFabric),
            _cluster.Nodes.StartOnAsync(fabric.Hosts[1], "c1", false, viaFabric),
            _cluster.Nodes.StartOnAsync(fabric.Hosts[2], "c2", false, viaFabric));
        var phase = Stopwatch.StartNew();
        OrleansHaClient client = await _cluster.ConnectAsync();
        TimeSpan responseTimeout = TestCluster.ClientResponseTimeout;
        await TestCluster.WaitForAsync(client, "m1", "c1", "c2");

        // Every coordinator takes some of the client's queries (the client spreads its calls over the gateways).
        var coordinated = new HashSet<string>();
        await Poll.UntilAsync(
            async () =>
            {
                coordinated.Add(await CoordinatorOfSelectOneAsync(client));
                return nodes.All(n => coordinated.Any(c => c.Contains(n.Host!.Address + ":", StringComparison.Ordinal)));
            },
            TimeSpan.FromSeconds(60),
            "every coordinator to coordinate a query of the client");

        output.WriteLine($"every coordinator took a query within {phase.ElapsedMilliseconds} ms of the client's start");
        NodeProcess cut = nodes[1];
        await fabric.CutFromTestAsync(cut.Host!, cut.GatewayPort);
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < 30; i++)
        {
            var watch = Stopwatch.StartNew();
            string coordinator = await CoordinatorOfSelectOneAsync(client);
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            Assert.DoesNotContain(cut.Host!.Address + ":", coordinator, StringComparison.Ordinal);
        }

        Assert.True(slowest < responseTimeout, $"a query after the cut took {slowest.TotalMilliseconds:0} ms, as if it waited for the response timeout ({responseTimeout.TotalSeconds:0} s); the client logged:\n{string.Join('\n', _cluster.Log.Lines.TakeLast(40))}");

        output.WriteLine($"30 queries after the cut, the slowest took {slowest.TotalMilliseconds:0} ms");
    }

    private static async Task<string> CoordinatorOfSelectOneAsync(OrleansHaClient client)
    {
        QueryResult result = client.QueryAsync("SELECT 1 AS one");
        List<object?[]> rows = await QueryTests.ToListAsync(result.RowsAsync());
        Assert.Equal(1, Convert.ToInt32(Assert.Single(rows)[0], System.Globalization.CultureInfo.InvariantCulture));
        return result.Coordinator!;
    }
}
