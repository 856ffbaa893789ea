using System.Globalization;
using OrleansHa.Grains.Query.Engine;
using Xunit.Abstractions;

namespace OrleansHa.Grains.Tests.Query;

[Collection(SerialQueryTests.Name)]
public sealed class SandboxedDuckDbStreamingTests(QueryFiles files, ITestOutputHelper output)
{
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
            Assert.InRange(batch.RowCount, 1, sandbox.BatchSize);
            var values = batch.Vectors[0].Integers!;
            for (var i = 0; i < values.Length; i++)
            {
                sum += values[i]!.Value;
            }

            total += batch.RowCount;
            if (++batches % 50 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        // The whole result as long?[] would be 48 MB (16 bytes a value); each batch is 64 KB.
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{batches} batches, peak managed memory above the baseline {peak / 1024.0 / 1024.0:0.00} MB"));
        Assert.Equal(Rows, total);
        Assert.Equal((long)Rows * (Rows - 1) / 2, sum);
        Assert.Equal((Rows + sandbox.BatchSize - 1) / sandbox.BatchSize, batches);
        Assert.True(peak < 8 * 1024 * 1024, $"managed memory grew by {peak} bytes while streaming");
    }
}
