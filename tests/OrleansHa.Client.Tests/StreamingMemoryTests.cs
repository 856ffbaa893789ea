using System.Globalization;
using OrleansHa.Abstractions.Query;
using Xunit.Abstractions;

namespace OrleansHa.Client.Tests;

/// <summary>A result far larger than any node's memory budget streams through with bounded memory everywhere.</summary>
[Collection(QueryClusterGroup.Name)]
public sealed class StreamingMemoryTests(QueryClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>How much any process's peak resident memory may rise when four times as many rows follow a first run.</summary>
    private const long AllowedRise = 128L * 1024 * 1024;

    /// <remarks>
    /// A first run of 3M rows lets every process reach its working size (the nodes use server GC, whose heaps grow
    /// before they collect); the peak resident memory (VmHWM) is taken then, and again after 12M rows (about 1.3 GB
    /// of text). Memory that grew with the result would raise the peak by hundreds of megabytes; a stream does not.
    /// </remarks>
    [Fact]
    public async Task Twelve_million_rows_stream_to_the_client_without_raising_any_processs_peak_memory()
    {
        var processes = fixture.Cluster.Nodes.AllProcesses
            .Where(node => !node.HasExited)
            .Select(node => (node.Name, Pid: node.ProcessId))
            .Append((Name: "client", Pid: Environment.ProcessId))
            .ToList();

        await StreamAsync(3_000_000);
        Dictionary<string, long> warm = processes.ToDictionary(p => p.Name, p => PeakResidentBytes(p.Pid));
        long bytes = await StreamAsync(12_000_000);

        foreach ((string name, int pid) in processes)
        {
            long rise = PeakResidentBytes(pid) - warm[name];
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: peak resident {warm[name] / 1048576.0:0} MB after 3M rows, then rose {rise / 1048576.0:0.0} MB while {bytes / 1048576.0:0} MB of text passed"));
            Assert.True(rise < AllowedRise, $"{name}'s peak resident memory rose {rise / 1048576} MB streaming {bytes / 1048576} MB");
        }
    }

    /// <summary>Streams <paramref name="rows"/> wide rows, checks every one arrived, and returns the text's size.</summary>
    private async Task<long> StreamAsync(long rows)
    {
        long seen = 0;
        long bytes = 0;
        long sum = 0;
        await foreach (ResultBatch batch in fixture.Client.QueryAsync($"SELECT i, repeat('x', 100) || i AS pad FROM range({rows}) t(i)"))
        {
            seen += batch.RowCount;
            for (int row = 0; row < batch.RowCount; row++)
            {
                object?[] values = batch.GetRow(row);
                sum += (long)values[0]!;
                bytes += ((string)values[1]!).Length;
            }
        }

        Assert.Equal(rows, seen);
        Assert.Equal(rows * (rows - 1) / 2, sum);
        return bytes;
    }

    /// <summary>The process's peak resident set (VmHWM), from /proc.</summary>
    private static long PeakResidentBytes(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024;
    }
}
