using System.Globalization;
using OrleansHa.Client;
using OrleansHa.Testing;
using OrleansHa.Testing.Chaos;

// The chaos soak: a cluster of two master-coordinators and a coordinator, one network namespace each, on a 3-member
// ensemble, under REST catalog writes, REST SQL and grain-client SQL, through 100 SIGKILLs and 20 hangs of the master,
// 10 partitions (each kind) and 3 whole-ensemble restarts in an order drawn from the printed seed. Prints per fault
// kind the time to a master serving writes again, and the counts that must be zero. Needs root (network namespaces).
// Usage: dotnet run -c Release --project bench/OrleansHa.Chaos.Bench [-- --seed N] [--quick]
int seed = args.SkipWhile(a => a != "--seed").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(Environment.TickCount & 0xFFFF);
int scale = args.Contains("--quick") ? 10 : 1;
var plan = new ChaosPlan(seed, new Dictionary<ChaosFault, int>
{
    [ChaosFault.MasterKilled] = 100 / scale,
    [ChaosFault.MasterHung] = 20 / scale,
    [ChaosFault.MasterCutFromZooKeeper] = 3,
    [ChaosFault.MasterCutFromSilos] = 3,
    [ChaosFault.StandbyCutFromZooKeeper] = 2,
    [ChaosFault.ClientCutFromGateway] = 2,
    [ChaosFault.EnsembleRestarted] = 3,
});
Console.WriteLine($"Chaos soak on {Environment.ProcessorCount} cores, session timeout {NodeCluster.SessionTimeout.TotalSeconds:0} s");
ChaosReport report = await ChaosSoak.RunAsync(plan, BenchClient.ConnectAsync, Console.Out);
Console.WriteLine(report);
return report.WritesLost + report.Overlaps.Count + report.HungCalls + report.Unrecovered.Count == 0 ? 0 : 1;

/// <summary>The soak's grain client: an application's, with the default options and the test login.</summary>
internal sealed class BenchClient(OrleansHaClient client) : ChaosClient
{
    public static async Task<ChaosClient> ConnectAsync(string zooKeeper, string clusterId) =>
        new BenchClient(await OrleansHaClient.ConnectAsync(zooKeeper, new OrleansHaClientOptions
        {
            ClusterId = clusterId,
            UserName = TestCredentials.User,
            Password = TestCredentials.Password,
        }));

    public override async Task<int> QueryOnceAsync(CancellationToken cancellationToken)
    {
        QueryResult result = client.QueryAsync("SELECT 1 AS one");
        await foreach (object?[] _ in result.RowsAsync(cancellationToken))
        {
        }

        return result.Resubmissions;
    }

    public override ValueTask DisposeAsync() => client.DisposeAsync();
}
