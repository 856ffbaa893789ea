// A small application of an OrleansHa cluster: it names the ZooKeeper quorum, never a node, logs in, shows who is
// master and runs a query. Usage: dotnet run -- [zookeeper] (default $ORLEANSHA_ZOOKEEPER, else localhost:2181);
// the cluster id, user and password come from ORLEANSHA_CLUSTER (default "local"), ORLEANSHA_USER, ORLEANSHA_PASSWORD.
using OrleansHa.Abstractions;
using OrleansHa.Client;

string zooKeeper = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("ORLEANSHA_ZOOKEEPER") ?? "localhost:2181";
await using OrleansHaClient client = await OrleansHaClient.ConnectAsync(zooKeeper, new OrleansHaClientOptions
{
    ClusterId = Environment.GetEnvironmentVariable("ORLEANSHA_CLUSTER") ?? "local",
    UserName = Environment.GetEnvironmentVariable("ORLEANSHA_USER") ?? "admin",
    Password = Environment.GetEnvironmentVariable("ORLEANSHA_PASSWORD"),
});

ClusterStatus status = await client.GetClusterStatusAsync();
Console.WriteLine(status.Master is { } master ? $"master: {master.NodeName} (epoch {master.Epoch})" : "master: none");

QueryResult result = client.QueryAsync("SELECT 40 + 2 AS answer, 'from the cluster' AS note");
await foreach (object?[] row in result.RowsAsync())
{
    Console.WriteLine(string.Join(", ", row));
}
