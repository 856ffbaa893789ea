using System.Globalization;
using Apache.Arrow;

using Xunit.Abstractions;

namespace OrleansHa.Engine.Tests;

[Collection(SerialQueryTests.Name)]
public sealed class SandboxedDuckDbStreamingTests(QueryFiles files, ITestOutputHelper output)
{
    // DuckDB's vector size: a batch is one chunk of its streaming result.
    private const int ChunkRows = 2048;

    [Fact]
    public async Task A_large_result_streams_in_batches_and_never_sits_whole_in_memory()
    {
        const int Rows = 3_000_000;
        var sandbox = files.Sandbox();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peak = 0L;
        var total = 0L;
        var sum = 0L;
        var batches = 0;

        await foreach (var batch in SandboxedDuckDb.ExecuteAsync($"SELECT * FROM range({Rows})", sandbox))
        {
            Assert.InRange(batch.Length, 1, ChunkRows);
            foreach (var value in ((Int64Array)batch.Column(0)).Values)
            {
                sum += value;
            }

            total += batch.Length;
            batch.Dispose();
            if (++batches % 50 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        // The whole result would be 24 MB of Arrow buffers; each batch is 16 KB.
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{batches} batches, peak managed memory above the baseline {peak / 1024.0 / 1024.0:0.00} MB"));
        Assert.Equal(Rows, total);
        Assert.Equal((long)Rows * (Rows - 1) / 2, sum);
        Assert.Equal((Rows + ChunkRows - 1) / ChunkRows, batches);
        Assert.True(peak < 8 * 1024 * 1024, $"managed memory grew by {peak} bytes while streaming");
    }
}
