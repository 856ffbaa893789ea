using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

// Master failover with real node processes: SIGKILL (and SIGTERM) of the active master while a client keeps calling
// something that needs the master (a catalog read through a coordinator). Prints time from the kill to the new master
// being active in ZooKeeper and to the client's first successful call after it, p50/p99/max.
// Usage: dotnet run -c Release --project bench/OrleansHa.Failover.Bench [-- --trials N]
int trials = args.Length >= 2 && args[0] == "--trials" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
string clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
string root = Path.Combine(Path.GetTempPath(), "orleansha-failover-bench", clusterId);
using var http = TestCredentials.CreateHttpClient(TimeSpan.FromSeconds(30));

await using ZooKeeperEnsemble ensemble = await ZooKeeperEnsemble.StartAsync(3, ZooKeeperServerSettings.Default with { LogLevel = "warn" });
await using ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(TestCredentials.ZooKeeperOptions(ensemble.ConnectionString));
string[] common = [$"zookeeper={ensemble.ConnectionString}", $"cluster.id={clusterId}", $"paths.db={Path.Combine(root, "db")}", "zk.client.session.timeout=4000"];
var nodes = new Dictionary<string, NodeProcess>();
async Task<NodeProcess> StartAsync(string name, bool master)
{
    if (nodes.TryGetValue(name, out NodeProcess? old))
    {
        await old.DisposeAsync();
    }

    NodeProcess node = NodeProcess.Start(name, Path.Combine(root, name), [.. common, $"services.coordinator.master.enabled={(master ? "true" : "false")}"]);
    nodes[name] = node;
    await node.WaitUntilServingAsync();
    return node;
}

try
{
    await StartAsync("m1", master: true);
    await StartAsync("m2", master: true);
    NodeProcess coordinator = await StartAsync("c1", master: false);
    await Poll.UntilAsync(async () => (await ActiveAsync()).Epoch > 0, TimeSpan.FromSeconds(60), "a first master");
    await http.PostAsync(new Uri(coordinator.WebUrl + "/api/v3/catalog/spaces"), JsonContent("""{"name":"bench"}"""));
    Console.WriteLine($"Failover benchmark: 2 master-coordinators + 1 coordinator, 3-node ZooKeeper on loopback, session timeout 4 s, {Environment.ProcessorCount} cores");

    var crash = await RunTrialsAsync(coordinator, trials, graceful: false);
    var stop = await RunTrialsAsync(coordinator, Math.Max(5, trials / 2), graceful: true);
    Report("SIGKILL -> new master active", crash.Select(t => t.Active));
    Report("SIGKILL -> first successful client call", crash.Select(t => t.Call));
    Report("SIGTERM -> new master active", stop.Select(t => t.Active));
    Report("SIGTERM -> first successful client call", stop.Select(t => t.Call));
}
finally
{
    foreach (NodeProcess node in nodes.Values)
    {
        await node.DisposeAsync();
    }

    Directory.Delete(root, recursive: true);
}

async Task<List<(double Active, double Call)>> RunTrialsAsync(NodeProcess coordinator, int count, bool graceful)
{
    var results = new List<(double, double)>();
    for (int trial = 0; trial < count; trial++)
    {
        (long epoch, string node) = await ActiveAsync();
        NodeProcess master = nodes[node];
        string standby = node == "m1" ? "m2" : "m1";
        await Poll.UntilAsync(async () => (await zk.GetChildrenAsync($"/orleans-ha/{clusterId}/master/candidates")).Children.Contains(standby), TimeSpan.FromSeconds(60), "the standby to be waiting");

        using var stopCalling = new CancellationTokenSource();
        long killedAt = 0;
        var firstCallAfterKill = new TaskCompletionSource<double>();
        Task caller = Task.Run(async () =>
        {
            while (!stopCalling.IsCancellationRequested)
            {
                long started = Stopwatch.GetTimestamp();
                try
                {
                    using HttpResponseMessage response = await http.GetAsync(new Uri(coordinator.WebUrl + "/api/v3/catalog/spaces"));
                    long kill = Interlocked.Read(ref killedAt);
                    if (response.IsSuccessStatusCode && kill != 0 && started > kill)
                    {
                        firstCallAfterKill.TrySetResult(Stopwatch.GetElapsedTime(kill).TotalMilliseconds);
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(10);
            }
        });

        await Task.Delay(200);
        Interlocked.Exchange(ref killedAt, Stopwatch.GetTimestamp());
        if (graceful)
        {
            master.Terminate();
        }
        else
        {
            await master.KillAsync();
        }

        await Poll.UntilAsync(async () => (await ActiveAsync()).Epoch > epoch, TimeSpan.FromSeconds(60), "a new master", TimeSpan.FromMilliseconds(5));
        double active = Stopwatch.GetElapsedTime(killedAt).TotalMilliseconds;
        double call = await firstCallAfterKill.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await stopCalling.CancelAsync();
        await caller;
        results.Add((active, call));
        Console.WriteLine(FormattableString.Invariant($"  {(graceful ? "SIGTERM" : "SIGKILL")} trial {trial + 1}: epoch {epoch} -> new master active {active:0} ms, first call {call:0} ms"));
        await master.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await StartAsync(node, master: true);
    }

    return results;
}

async Task<(long Epoch, string Node)> ActiveAsync()
{
    try
    {
        using JsonDocument record = JsonDocument.Parse((await zk.GetDataAsync($"/orleans-ha/{clusterId}/master/active")).Data);
        return (record.RootElement.GetProperty("epoch").GetInt64(), record.RootElement.GetProperty("nodeName").GetString()!);
    }
    catch (NoNodeException)
    {
        return (0, string.Empty);
    }
}

static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

static void Report(string name, IEnumerable<double> values)
{
    double[] sorted = [.. values.Order()];
    double Percentile(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: n={sorted.Length} p50 {Percentile(0.5):0} ms, p99 {Percentile(0.99):0} ms, max {sorted[^1]:0} ms"));
}
