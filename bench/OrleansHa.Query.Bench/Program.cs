using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Apache.Arrow;
using DuckDB.NET.Data;
using OrleansHa.Abstractions.Query;
using OrleansHa.Client;
using OrleansHa.Engine;
using OrleansHa.Testing;

// The query path with real processes: a standalone ZooKeeper, one master-coordinator and one executor node on
// loopback. Prints SELECT 1 latency through the grain client and through REST (submit, then poll the job) beside the
// same engine in this process (a warm pooled database, and a fresh one per query as the floor of what a pool saves),
// 1M rows streamed to the client as Arrow record batches against the engine producing the same batches in-process, and
// an aggregate over a 10M-row Parquet data set through the cluster against DuckDB in-process on the same files.
// Also through Arrow Flight (Apache's FlightClient on a gRPC channel to the coordinator's Flight port): SELECT 1 as
// GetFlightInfo + DoGet, and DoGet of the 1M-row result and of a 10M-row 4-column scan against the engine in-process.
// Usage: dotnet run -c Release --project bench/OrleansHa.Query.Bench [-- --quick]
bool quick = args.Contains("--quick");
int latencyRuns = quick ? 100 : 1000;
int restRuns = quick ? 50 : 300;
long streamRows = 1_000_000;
long parquetRows = quick ? 2_000_000 : 10_000_000;
int repeats = quick ? 2 : 5;

await using ZooKeeperServerProcess zooKeeper = await ZooKeeperServerProcess.StartStandaloneAsync(ZooKeeperServerSettings.Default with { LogLevel = "warn" });
await using var cluster = new NodeCluster(zooKeeper.ConnectionString);
using var http = TestCredentials.CreateHttpClient(TimeSpan.FromSeconds(30));
NodeProcess coordinator = await cluster.StartAsync("m1", true, "services.executor.enabled=false");
await cluster.StartAsync("e1", false, "services.coordinator.enabled=false", "services.executor.enabled=true");
await using OrleansHaClient client = await OrleansHaClient.ConnectAsync(zooKeeper.ConnectionString, new OrleansHaClientOptions { ClusterId = cluster.ClusterId, UserName = TestCredentials.User, Password = TestCredentials.Password });
await Poll.UntilAsync(async () => (await client.GetClusterStatusAsync()).Nodes.Any(n => n.Name == "e1" && n.Status == "Active"), TimeSpan.FromSeconds(60), "the executor to join");
Console.WriteLine($"Query benchmark: 1 master-coordinator + 1 executor node, standalone ZooKeeper, loopback, {Environment.ProcessorCount} cores{(quick ? ", quick" : string.Empty)}");

// SELECT 1 through the grain client, one at a time.
for (int i = 0; i < 50; i++)
{
    await CountAsync(client.QueryAsync("SELECT 1"));
}

var clock = Stopwatch.StartNew();
List<double> grain = [];
for (int i = 0; i < latencyRuns; i++)
{
    long start = Stopwatch.GetTimestamp();
    await CountAsync(client.QueryAsync("SELECT 1"));
    grain.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
}

Report("SELECT 1, grain client", grain, latencyRuns / clock.Elapsed.TotalSeconds);

// SELECT 1 through Flight: GetFlightInfo (which runs the SQL for its schema), then DoGet on the ticket.
using FlightSession flight = await FlightSession.LoginAsync(coordinator.FlightUrl);
for (int i = 0; i < 50; i++)
{
    await FlightQueryAsync("SELECT 1");
}

clock.Restart();
List<double> flightLatency = [];
for (int i = 0; i < latencyRuns; i++)
{
    long start = Stopwatch.GetTimestamp();
    await FlightQueryAsync("SELECT 1");
    flightLatency.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
}

Report("SELECT 1, Flight GetFlightInfo + DoGet", flightLatency, latencyRuns / clock.Elapsed.TotalSeconds);

// The same query on the engine in this process: the floor the cluster's per-query overhead is measured against.
using (var pool = new SandboxPool())
{
    var sandbox = new QuerySandbox();
    foreach ((string name, SandboxPool? pooled) in new[] { ("SELECT 1, engine in-process, warm pooled database", pool), ("SELECT 1, engine in-process, fresh database", (SandboxPool?)null) })
    {
        for (int i = 0; i < 50; i++)
        {
            await CountArrowAsync(SandboxedDuckDb.ExecuteAsync("SELECT 1", sandbox, pooled));
        }

        clock.Restart();
        List<double> local = [];
        for (int i = 0; i < latencyRuns; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await CountArrowAsync(SandboxedDuckDb.ExecuteAsync("SELECT 1", sandbox, pooled));
            local.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        Report(name, local, latencyRuns / clock.Elapsed.TotalSeconds);
    }
}

// SELECT 1 through REST: POST /api/v3/sql, then GET /api/v3/job/{id} until it is COMPLETED.
for (int i = 0; i < 20; i++)
{
    await RestQueryAsync();
}

clock.Restart();
List<double> rest = [];
List<double> submits = [];
for (int i = 0; i < restRuns; i++)
{
    long start = Stopwatch.GetTimestamp();
    submits.Add(await RestQueryAsync());
    rest.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
}

Report("SELECT 1, REST submit + poll", rest, restRuns / clock.Elapsed.TotalSeconds);
Report("  of which the submit (POST /api/v3/sql)", submits, restRuns / clock.Elapsed.TotalSeconds);

// 1M rows streamed to the client as Arrow record batches, against the engine producing the same batches in-process;
// and as ResultBatches (every value converted on the client), against reading every value from DuckDB in-process.
string streamSql = $"SELECT i, i * 2 AS j, 'row ' || i AS s FROM range({streamRows}) t(i)";
double clusterArrow = Median(await TimesAsync(repeats, () => CountArrowAsync(client.QueryAsync(streamSql).RecordBatchesAsync())));
double localArrow = Median(await TimesAsync(repeats, () => CountArrowAsync(SandboxedDuckDb.ExecuteAsync(streamSql, new QuerySandbox()))));
Console.WriteLine(Invariant($"stream {streamRows:N0} rows (3 columns) as Arrow: cluster {streamRows / clusterArrow:N0} rows/s ({clusterArrow:0.00} s), engine in-process {streamRows / localArrow:N0} rows/s ({localArrow:0.00} s), ratio {clusterArrow / localArrow:0.0}x"));
await FlightStreamAsync(streamSql, streamRows, "3 columns");
if (!quick)
{
    await FlightStreamAsync("SELECT i, i * 2 AS j, i % 1000 AS k, 'row ' || i AS s FROM range(10000000) t(i)", 10_000_000, "4 columns");
}

double cluster1M = Median(await TimesAsync(repeats, () => CountAsync(client.QueryAsync(streamSql))));
double local1M = Median(await TimesAsync(repeats, () => Task.FromResult(ReadLocally(streamSql))));
Console.WriteLine(Invariant($"stream {streamRows:N0} rows (3 columns) as rows: cluster {streamRows / cluster1M:N0} rows/s ({cluster1M:0.00} s), DuckDB in-process {streamRows / local1M:N0} rows/s ({local1M:0.00} s), ratio {cluster1M / local1M:0.0}x"));

// An aggregate over a generated Parquet data set, through the cluster and in-process on the same files.
string data = Path.Combine(cluster.Root, "parquet");
Directory.CreateDirectory(data);
using (var connection = new DuckDBConnection("DataSource=:memory:"))
{
    connection.Open();
    using DuckDBCommand generate = connection.CreateCommand();
    generate.CommandText = Invariant($"COPY (SELECT i AS id, i % 1000 AS k, (i * 7919) % 10007 AS v FROM range({parquetRows}) t(i)) TO '{Path.Combine(data, "data.parquet")}' (FORMAT parquet)");
    generate.ExecuteNonQuery();
}

await client.CreateSourceAsync("bench", data);
const string Aggregate = "SELECT k, sum(v) AS total, count(*) AS n FROM {0} GROUP BY k";
string clusterAggregate = string.Format(CultureInfo.InvariantCulture, Aggregate, "bench");
string localAggregate = string.Format(CultureInfo.InvariantCulture, Aggregate, $"read_parquet('{data}/*.parquet')");
if (await CountAsync(client.QueryAsync(clusterAggregate)) != 1000 || ReadLocally(localAggregate) != 1000)
{
    throw new InvalidOperationException("The aggregate did not return 1000 groups.");
}

double clusterAgg = Median(await TimesAsync(repeats, () => CountAsync(client.QueryAsync(clusterAggregate))));
double localAgg = Median(await TimesAsync(repeats, () => Task.FromResult(ReadLocally(localAggregate))));
Console.WriteLine(Invariant($"aggregate over {parquetRows:N0} Parquet rows (1000 groups): cluster {clusterAgg * 1000:0} ms, DuckDB in-process {localAgg * 1000:0} ms, ratio {clusterAgg / localAgg:0.00}x"));
return 0;

async Task<long> FlightQueryAsync(string sql)
{
    Apache.Arrow.Flight.FlightInfo info = await flight.InfoAsync(sql);
    return await flight.ReadAsync(info.Endpoints[0].Ticket);
}

// DoGet of a ticket, as rows/s and MB/s of Arrow buffers, against the engine making the same batches in this process.
async Task FlightStreamAsync(string sql, long rows, string shape)
{
    Apache.Arrow.Flight.FlightTicket ticket = (await flight.InfoAsync(sql)).Endpoints[0].Ticket;
    long bytes = 0;
    await flight.ReadAsync(ticket, batch => bytes += batch.Arrays.Sum(a => a.Data.Buffers.Sum(b => (long)b.Length)));
    double overFlight = Median(await TimesAsync(repeats, () => flight.ReadAsync(ticket)));
    double inProcess = Median(await TimesAsync(repeats, () => CountArrowAsync(SandboxedDuckDb.ExecuteAsync(sql, new QuerySandbox()))));
    double megabytes = bytes / 1e6;
    Console.WriteLine(Invariant(
        $"stream {rows:N0} rows ({shape}, {megabytes:N0} MB of Arrow) through Flight DoGet: {rows / overFlight:N0} rows/s, {megabytes / overFlight:N0} MB/s ({overFlight:0.00} s); engine in-process {rows / inProcess:N0} rows/s ({inProcess:0.00} s); Flight at {inProcess / overFlight:0.00}x the engine's rows/s"));
}

// Returns how long the submit took, in milliseconds.
async Task<double> RestQueryAsync()
{
    long start = Stopwatch.GetTimestamp();
    using var body = new StringContent("""{"sql":"SELECT 1"}""", Encoding.UTF8, "application/json");
    using HttpResponseMessage submitted = await http.PostAsync(new Uri(coordinator.WebUrl + "/api/v3/sql"), body);
    submitted.EnsureSuccessStatusCode();
    string id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    double submit = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    while (true)
    {
        using JsonDocument job = JsonDocument.Parse(await http.GetStringAsync(new Uri($"{coordinator.WebUrl}/api/v3/job/{id}")));
        string state = job.RootElement.GetProperty("jobState").GetString()!;
        if (state == "COMPLETED")
        {
            return submit;
        }

        if (state is "FAILED" or "CANCELED" or "INTERRUPTED")
        {
            throw new InvalidOperationException($"job {id} ended {state}");
        }
    }
}

static async Task<long> CountAsync(QueryResult result)
{
    long rows = 0;
    await foreach (ResultBatch batch in result)
    {
        rows += batch.RowCount;
    }

    return rows;
}

static async Task<long> CountArrowAsync(IAsyncEnumerable<RecordBatch> batches)
{
    long rows = 0;
    await foreach (RecordBatch batch in batches)
    {
        rows += batch.Length;
        batch.Dispose();
    }

    return rows;
}

// Reads every value, as the client's batches hold every value.
static long ReadLocally(string sql)
{
    using var connection = new DuckDBConnection("DataSource=:memory:");
    connection.Open();
    using DuckDBCommand command = connection.CreateCommand();
    command.CommandText = sql;
    command.UseStreamingMode = true;
    using DuckDBDataReader reader = command.ExecuteReader();
    var values = new object[reader.FieldCount];
    long rows = 0;
    while (reader.Read())
    {
        reader.GetValues(values);
        rows++;
    }

    return rows;
}

static async Task<List<double>> TimesAsync<T>(int count, Func<Task<T>> run)
{
    await run();
    List<double> seconds = [];
    for (int i = 0; i < count; i++)
    {
        long start = Stopwatch.GetTimestamp();
        await run();
        seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    return seconds;
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static void Report(string name, List<double> milliseconds, double perSecond)
{
    double[] sorted = [.. milliseconds.Order()];
    double Percentile(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    Console.WriteLine(Invariant($"{name}: n={sorted.Length} p50 {Percentile(0.5):0.00} ms, p99 {Percentile(0.99):0.00} ms, {perSecond:0} queries/s one at a time"));
}

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
