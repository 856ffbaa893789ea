using System.Diagnostics;
using System.Globalization;
using Apache.Arrow;


using Xunit.Abstractions;

namespace OrleansHa.Engine.Tests;

[Collection(SerialQueryTests.Name)]
public sealed class SandboxedDuckDbLimitTests(QueryFiles files, ITestOutputHelper output)
{
    // Hashing every row keeps DuckDB from answering from the range's size alone; 10^13 rows take hours.
    private const string Endless = "SELECT sum(hash(i)) FROM range(10000000000000) t(i)";

    [Fact]
    public async Task Invalid_SQL_fails_as_Sql_with_DuckDBs_message()
    {
        var syntax = await QueryFiles.FailsAsync("SELEC 1", files.Sandbox(), EngineFailureKind.Sql);
        Assert.Contains("Parser Error", syntax.Message, StringComparison.Ordinal);
        Assert.Contains("SELEC", syntax.Message, StringComparison.Ordinal);

        var binder = await QueryFiles.FailsAsync($"SELECT nope FROM '{files.Data}/people.csv'", files.Sandbox(), EngineFailureKind.Sql);
        Assert.Contains("Binder Error", binder.Message, StringComparison.Ordinal);
        Assert.Contains("nope", binder.Message, StringComparison.Ordinal);

        var missing = await QueryFiles.FailsAsync($"SELECT * FROM '{files.Data}/missing.csv'", files.Sandbox(), EngineFailureKind.Sql);
        Assert.Contains("missing.csv", missing.Message, StringComparison.Ordinal);

        await QueryFiles.FailsAsync("   -- nothing\n", files.Sandbox(), EngineFailureKind.Sql);
    }

    [Fact]
    public async Task An_error_in_the_middle_of_the_stream_fails_the_stream()
    {
        var sql = "SELECT CAST(CASE WHEN i = 2500000 THEN 'x' ELSE i::VARCHAR END AS INTEGER) AS v FROM range(5000000) t(i)";
        var rows = 0L;

        var failure = await Assert.ThrowsAsync<EngineException>(async () =>
        {
            await foreach (var batch in SandboxedDuckDb.ExecuteAsync(sql, files.Sandbox()))
            {
                rows += batch.Length;
                batch.Dispose();
            }
        });

        Assert.Equal(EngineFailureKind.Sql, failure.Kind);
        Assert.Contains("Conversion Error", failure.Message, StringComparison.Ordinal);
        Assert.True(rows < 5_000_000, $"{rows} rows");
    }

    [Fact]
    public async Task A_query_over_its_timeout_fails_as_Timeout_promptly()
    {
        var timeout = TimeSpan.FromMilliseconds(500);
        var released = new TaskCompletionSource();
        var stopwatch = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<EngineException>(() =>
            Drain(SandboxedDuckDb.ExecuteAsync(Endless, files.Sandbox(timeout), null, () => released.TrySetResult(), CancellationToken.None)));
        var failedAfter = stopwatch.Elapsed;
        await released.Task.WaitAsync(TimeSpan.FromSeconds(1));
        var releasedAfter = stopwatch.Elapsed;

        Assert.Equal(EngineFailureKind.Timeout, failure.Kind);
        Assert.Contains("timeout of 0.5 s", failure.Message, StringComparison.Ordinal);
        Report("timeout 500 ms", failedAfter, releasedAfter);
        Assert.True(failedAfter < timeout + TimeSpan.FromSeconds(1), $"failed after {failedAfter}");
    }

    [Fact]
    public async Task Cancellation_reaches_DuckDB_and_fails_as_Canceled_promptly()
    {
        var latencies = new List<TimeSpan>();
        for (var trial = 0; trial < 5; trial++)
        {
            using var cts = new CancellationTokenSource();
            var released = new TaskCompletionSource();
            var query = Drain(SandboxedDuckDb.ExecuteAsync(Endless, files.Sandbox(), null, () => released.TrySetResult(), cts.Token));
            await Task.Delay(200);
            Assert.False(query.IsCompleted, $"the endless query ended by itself: {query.Exception?.InnerException?.Message ?? "with a result"}");

            var stopwatch = Stopwatch.StartNew();
            await cts.CancelAsync();
            var failure = await Assert.ThrowsAsync<EngineException>(() => query);
            var failedAfter = stopwatch.Elapsed;
            await released.Task.WaitAsync(TimeSpan.FromSeconds(1));
            var releasedAfter = stopwatch.Elapsed;

            Assert.Equal(EngineFailureKind.Canceled, failure.Kind);
            Assert.Contains("canceled by its caller", failure.Message, StringComparison.Ordinal);
            Report($"cancel after 200 ms, trial {trial}", failedAfter, releasedAfter);
            latencies.Add(releasedAfter);
        }

        Assert.All(latencies, latency => Assert.True(latency < TimeSpan.FromSeconds(1), $"DuckDB let go {latency} after the cancel"));
    }

    [Fact]
    public async Task Cancellation_between_batches_fails_as_Canceled()
    {
        using var cts = new CancellationTokenSource();
        var released = new TaskCompletionSource();
        var batches = 0;

        var failure = await Assert.ThrowsAsync<EngineException>(async () =>
        {
            await foreach (var batch in SandboxedDuckDb.ExecuteAsync("SELECT * FROM range(10000000000)", files.Sandbox(), null, () => released.TrySetResult(), cts.Token))
            {
                batch.Dispose();
                if (++batches == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(EngineFailureKind.Canceled, failure.Kind);
        Assert.Equal(3, batches);
        await released.Task.WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Stopping_the_enumeration_early_stops_the_query()
    {
        var released = new TaskCompletionSource();
        await foreach (var batch in SandboxedDuckDb.ExecuteAsync("SELECT * FROM range(10000000000)", files.Sandbox(), null, () => released.TrySetResult(), CancellationToken.None))
        {
            Assert.Equal(2048, batch.Length);
            batch.Dispose();
            break;
        }

        await released.Task.WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_token_canceled_before_the_start_fails_at_once()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await QueryFiles.FailsAsync("SELECT 1", files.Sandbox(), EngineFailureKind.Canceled, ct: cts.Token);
    }

    [Fact]
    public async Task A_query_over_its_memory_limit_fails_as_MemoryLimit()
    {
        var stopwatch = Stopwatch.StartNew();

        var failure = await QueryFiles.FailsAsync(
            "SELECT count(DISTINCT i::VARCHAR || 'some padding') FROM range(20000000) t(i)",
            files.Sandbox(memoryLimit: "64MB"),
            EngineFailureKind.MemoryLimit);

        output.WriteLine($"{stopwatch.ElapsedMilliseconds} ms: {failure.Message}");
        Assert.Contains("64MB", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Out of Memory Error", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_temp_directory_a_query_spills_into_its_own_subdirectory_which_is_removed()
    {
        var temp = Path.Combine(files.Root, "spill");
        Directory.CreateDirectory(temp);
        var sandbox = files.Sandbox(memoryLimit: "64MB") with { TempDirectory = temp };

        // A hash aggregate over far more than 64 MB of strings: it only fits by spilling.
        const string Sql = "SELECT count(*) FROM (SELECT i::VARCHAR || repeat('x', 40) AS s FROM range(3000000) t(i) GROUP BY s)";
        await QueryFiles.FailsAsync(Sql, sandbox with { TempDirectory = null }, EngineFailureKind.MemoryLimit);

        var rows = await QueryFiles.RowsAsync(Sql, sandbox);

        Assert.Equal(3000000L, rows.Single()[0]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
    }

    private static async Task Drain(IAsyncEnumerable<RecordBatch> batches)
    {
        await foreach (var batch in batches)
        {
            batch.Dispose();
        }
    }

    private void Report(string what, TimeSpan failedAfter, TimeSpan releasedAfter) =>
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{what}: consumer failed after {failedAfter.TotalMilliseconds:0.0} ms, DuckDB released after {releasedAfter.TotalMilliseconds:0.0} ms"));
}
