using System.Diagnostics;
using System.Globalization;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

// Latency and throughput of the ZooKeeper client against a real standalone server started here.
// Usage: dotnet run -c Release --project bench/OrleansHa.ZooKeeper.Bench [-- --quick]
bool quick = args.Contains("--quick");
int latencyOps = quick ? 1_000 : 5_000;
int throughputOps = quick ? 10_000 : 50_000;
int window = 500;

await using ZooKeeperServerProcess server = await ZooKeeperServerProcess.StartStandaloneAsync(ZooKeeperServerSettings.Default with { JvmHeapMb = 512, LogLevel = "warn" });
await using ZooKeeperClient client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectionString = server.ConnectionString });
byte[] payload = new byte[100];
Random.Shared.NextBytes(payload);
await client.CreateAsync("/bench", payload);

Console.WriteLine(FormattableString.Invariant($"ZooKeeper client benchmark: standalone server on {server.ConnectionString}, 100-byte node, {Environment.ProcessorCount} cores"));

// Warm up the JIT on both sides.
await RunPipelinedAsync(() => client.GetDataAsync("/bench"), 5_000, window);
await RunSequentialAsync(() => client.SetDataAsync("/bench", payload), 500);

Report("getData, one at a time", await RunSequentialAsync(() => client.GetDataAsync("/bench"), latencyOps));
Report("setData, one at a time", await RunSequentialAsync(() => client.SetDataAsync("/bench", payload), latencyOps / 2));

double getSequential = Throughput(await RunSequentialAsync(() => client.GetDataAsync("/bench"), throughputOps / 5));
double getPipelined = Throughput(await RunPipelinedAsync(() => client.GetDataAsync("/bench"), throughputOps, window));
double setSequential = Throughput(await RunSequentialAsync(() => client.SetDataAsync("/bench", payload), throughputOps / 10));
double setPipelined = Throughput(await RunPipelinedAsync(() => client.SetDataAsync("/bench", payload), throughputOps / 2, window));
Console.WriteLine(FormattableString.Invariant($"getData throughput: one at a time {getSequential:0} ops/s, {window} outstanding {getPipelined:0} ops/s, ratio {getPipelined / getSequential:0.0}x"));
Console.WriteLine(FormattableString.Invariant($"setData throughput: one at a time {setSequential:0} ops/s, {window} outstanding {setPipelined:0} ops/s, ratio {setPipelined / setSequential:0.0}x"));

static async Task<Run> RunSequentialAsync<T>(Func<Task<T>> op, int count)
{
    var latencies = new double[count];
    var total = Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        long start = Stopwatch.GetTimestamp();
        await op();
        latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    return new Run(latencies, total.Elapsed);
}

static async Task<Run> RunPipelinedAsync<T>(Func<Task<T>> op, int count, int outstanding)
{
    var latencies = new double[count];
    using var slots = new SemaphoreSlim(outstanding);
    var running = new List<Task>(count);
    var total = Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        await slots.WaitAsync();
        int index = i;
        long start = Stopwatch.GetTimestamp();
        running.Add(op().ContinueWith(
            t =>
            {
                latencies[index] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                slots.Release();
                t.GetAwaiter().GetResult();
            },
            TaskScheduler.Default));
    }

    await Task.WhenAll(running);
    return new Run(latencies, total.Elapsed);
}

static double Throughput(Run run) => run.Latencies.Length / run.Elapsed.TotalSeconds;

static void Report(string name, Run run)
{
    double[] sorted = [.. run.Latencies.Order()];
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{name}: n={sorted.Length} p50 {Percentile(sorted, 0.50):0.000} ms, p99 {Percentile(sorted, 0.99):0.000} ms, max {sorted[^1]:0.000} ms, {Throughput(run):0} ops/s"));
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

internal sealed record Run(double[] Latencies, TimeSpan Elapsed);
