using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using OrleansHa.ZooKeeper;
using Orleans.Configuration;
using Orleans.Runtime;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Testing;

// Membership on ZooKeeper: table operation latency, time for three real silo processes to form a cluster, and time
// from SIGKILL of a silo to its row reading Dead, with the test (fast) and Orleans' default membership options.
// Usage: dotnet run -c Release --project bench/OrleansHa.Clustering.Bench [-- --quick]
bool quick = args.Contains("--quick");
int fastTrials = quick ? 2 : 6;
int defaultTrials = quick ? 1 : 3;

await using ZooKeeperEnsemble ensemble = await ZooKeeperEnsemble.StartAsync(3, ZooKeeperServerSettings.Default with { LogLevel = "warn" });
Console.WriteLine($"Membership benchmark: 3-node ZooKeeper ensemble on loopback (tickTime {ensemble.Settings.TickTimeMs} ms), {Environment.ProcessorCount} cores");

await TableLatencyAsync(ensemble.ConnectionString, quick ? 50 : 200);

var formed = new List<double>();
var fastDead = new List<double>();
var defaultDead = new List<double>();
for (int trial = 0; trial < fastTrials + defaultTrials; trial++)
{
    bool fast = trial < fastTrials;
    (double form, double dead) = await FormAndKillAsync(ensemble.ConnectionString, fast);
    formed.Add(form);
    (fast ? fastDead : defaultDead).Add(dead);
}

Report("three silo processes launched -> all rows Active", formed);
Report("SIGKILL -> row Dead, test options (probe 1 s, 2 missed, refresh 2 s)", fastDead);
Report("SIGKILL -> row Dead, Orleans defaults (probe 5 s, 3 missed, refresh 60 s)", defaultDead);
Console.WriteLine(FormattableString.Invariant($"ratio default/test detection (p50): {Percentile(defaultDead, 0.5) / Percentile(fastDead, 0.5):0.0}x"));

static async Task TableLatencyAsync(string connectionString, int rows)
{
    var options = Options.Create(new ZooKeeperClusteringOptions { ConnectionString = connectionString });
    await using var shared = new SharedZooKeeperClient(options.Value.ToClientOptions(NullLoggerFactory.Instance));
    var table = new ZooKeeperMembershipTable(
        shared, options, Options.Create(new ClusterOptions { ClusterId = "latency-" + Guid.NewGuid().ToString("N")[..8] }), NullLogger<ZooKeeperMembershipTable>.Instance);
    IMembershipTable api = table;
    await api.InitializeMembershipTableAsync(true);

    var entries = Enumerable.Range(0, rows).Select(i => new MembershipEntry
    {
        SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 20000 + i), i + 1),
        Status = SiloStatus.Joining,
        HostName = "bench",
        SiloName = $"silo-{i}",
        ProxyPort = 30000 + i,
        StartTime = DateTime.UtcNow,
        IAmAliveTime = DateTime.UtcNow,
    }).ToList();

    int version = 0;
    var insert = await TimeEachAsync(entries, async entry =>
    {
        if (!await api.InsertRowAsync(entry, new TableVersion(version + 1, version.ToString(CultureInfo.InvariantCulture))))
        {
            throw new InvalidOperationException("insert lost a race nobody else runs");
        }

        version++;
    });
    var update = await TimeEachAsync(entries, async entry =>
    {
        entry.Status = SiloStatus.Active;
        if (!await api.UpdateRowAsync(entry, "0", new TableVersion(version + 1, version.ToString(CultureInfo.InvariantCulture))))
        {
            throw new InvalidOperationException("update lost a race nobody else runs");
        }

        version++;
    });
    var alive = await TimeEachAsync(entries, entry =>
    {
        entry.IAmAliveTime = DateTime.UtcNow;
        return api.UpdateIAmAliveAsync(entry);
    });
    var readAll = await TimeEachAsync(Enumerable.Range(0, 50).ToList(), async _ => await api.ReadAllAsync());

    Report("InsertRow (one multi)", insert);
    Report("UpdateRow (one multi)", update);
    Report("UpdateIAmAlive", alive);
    Report($"ReadAll of {rows} rows", readAll);
}

static async Task<List<double>> TimeEachAsync<T>(IReadOnlyList<T> items, Func<T, Task> op)
{
    var times = new List<double>(items.Count);
    foreach (T item in items)
    {
        long start = Stopwatch.GetTimestamp();
        await op(item);
        times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    return times;
}

static async Task<(double FormMs, double DeadMs)> FormAndKillAsync(string zooKeeper, bool fast)
{
    string clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
    long launched = Stopwatch.GetTimestamp();
    SiloProcess[] silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(zooKeeper, clusterId, fast)));
    try
    {
        await PollRowsAsync(zooKeeper, clusterId, rows => rows.Count == 3 && rows.Values.All(s => s == SiloStatus.Active));
        double form = Stopwatch.GetElapsedTime(launched).TotalMilliseconds;

        SiloProcess victim = silos[^1];
        long killed = Stopwatch.GetTimestamp();
        await victim.KillAsync();
        await PollRowsAsync(zooKeeper, clusterId, rows => rows.GetValueOrDefault(victim.SiloAddress) == SiloStatus.Dead);
        return (form, Stopwatch.GetElapsedTime(killed).TotalMilliseconds);
    }
    finally
    {
        await Task.WhenAll(silos.Select(s => s.DisposeAsync().AsTask()));
    }
}

// Polls the rows as Orleans itself reads them, through a table of the same cluster.
static async Task PollRowsAsync(string zooKeeper, string clusterId, Func<Dictionary<string, SiloStatus>, bool> condition)
{
    var options = Options.Create(new ZooKeeperClusteringOptions { ConnectionString = zooKeeper });
    await using var shared = new SharedZooKeeperClient(options.Value.ToClientOptions(NullLoggerFactory.Instance));
    IMembershipTable table = new ZooKeeperMembershipTable(
        shared, options, Options.Create(new ClusterOptions { ClusterId = clusterId }), NullLogger<ZooKeeperMembershipTable>.Instance);
    await table.InitializeMembershipTableAsync(false);
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < TimeSpan.FromMinutes(2))
    {
        MembershipTableData data = await table.ReadAllAsync();
        if (condition(data.Members.ToDictionary(m => m.Item1.SiloAddress.ToParsableString(), m => m.Item1.Status, StringComparer.Ordinal)))
        {
            return;
        }

        await Task.Delay(10);
    }

    throw new TimeoutException($"membership of {clusterId} never reached the expected state");
}

static void Report(string name, List<double> values)
{
    double[] sorted = [.. values.Order()];
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{name}: n={sorted.Length} p50 {Percentile(sorted, 0.50):0.0##} ms, p99 {Percentile(sorted, 0.99):0.0##} ms, max {sorted[^1]:0.0##} ms"));
}

static double Percentile(IReadOnlyList<double> values, double p)
{
    double[] sorted = [.. values.Order()];
    return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
