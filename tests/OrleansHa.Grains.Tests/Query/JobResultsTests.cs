using System.Diagnostics;
using OrleansHa.Grains.Query;
using Xunit.Abstractions;

namespace OrleansHa.Grains.Tests.Query;

/// <summary>Job results on disk: every page is right, wherever it starts, and a deep page costs no more than the first.</summary>
public sealed class JobResultsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dist = Directory.CreateTempSubdirectory("orleans-ha-dist-").FullName;

    public void Dispose() => Directory.Delete(_dist, recursive: true);

    [Fact]
    public async Task Pages_at_every_kind_of_offset_hold_the_right_rows()
    {
        const int Rows = 3 * JobResults.IndexEvery + 17;
        Guid job = Guid.NewGuid();
        long written = await JobResults.WriteAsync(_dist, job, EngineQueries.RunAsync($"SELECT i, 'row ' || i AS label FROM range({Rows}) t(i)"), CancellationToken.None);
        Assert.Equal(Rows, written);

        foreach (long offset in new long[] { 0, 1, JobResults.IndexEvery - 1, JobResults.IndexEvery, 2 * JobResults.IndexEvery + 5, Rows - 3 })
        {
            var (schema, rows) = await JobResults.ReadPageAsync(_dist, job, offset, 10, CancellationToken.None);
            Assert.Equal(2, schema.GetArrayLength());
            Assert.Equal(Math.Min(10, Rows - offset), rows.Count);
            Assert.Equal(offset, rows[0][0].GetInt64());
            Assert.Equal($"row {offset + rows.Count - 1}", rows[^1][1].GetString());
        }

        Assert.Empty((await JobResults.ReadPageAsync(_dist, job, Rows, 10, CancellationToken.None)).Rows);
        Assert.Empty((await JobResults.ReadPageAsync(_dist, job, 10 * Rows, 10, CancellationToken.None)).Rows);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dist, "jobs"), "*.partial"));
    }

    [Fact]
    public async Task A_query_that_fails_midway_leaves_no_files_behind()
    {
        const string Failing = "SELECT CAST(CASE WHEN i = 500000 THEN 'x' ELSE i::VARCHAR END AS INTEGER) AS v FROM range(1000000) t(i)";
        await Assert.ThrowsAsync<OrleansHa.Abstractions.Query.QueryFailedException>(() =>
            JobResults.WriteAsync(_dist, Guid.NewGuid(), EngineQueries.RunAsync(Failing), CancellationToken.None));

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_dist, "jobs")));
    }

    [Fact]
    public async Task A_result_without_an_index_still_pages_by_reading_from_the_start()
    {
        Guid job = Guid.NewGuid();
        await JobResults.WriteAsync(_dist, job, EngineQueries.RunAsync("SELECT i FROM range(1000) t(i)"), CancellationToken.None);
        File.Delete(Path.ChangeExtension(JobResults.PathOf(_dist, job), ".idx"));

        var (_, rows) = await JobResults.ReadPageAsync(_dist, job, 700, 5, CancellationToken.None);

        Assert.Equal([700L, 701L, 702L, 703L, 704L], rows.Select(r => r[0].GetInt64()));
    }

    [Fact]
    public async Task A_page_deep_in_a_large_result_is_found_by_seeking()
    {
        const int Rows = 2_000_000;
        Guid job = Guid.NewGuid();
        await JobResults.WriteAsync(_dist, job, EngineQueries.RunAsync($"SELECT i FROM range({Rows}) t(i)"), CancellationToken.None);

        var first = Stopwatch.StartNew();
        var (_, head) = await JobResults.ReadPageAsync(_dist, job, 0, 500, CancellationToken.None);
        first.Stop();
        Assert.Equal(0, head[0][0].GetInt64());

        // Join every row before the deep page's indexed row into one line: a reader that counted lines to get there
        // would land far past the page, while one that seeks to the indexed offset never reads those bytes.
        const long Offset = Rows - 500;
        JoinLinesBefore(job, Offset / JobResults.IndexEvery);

        var deep = Stopwatch.StartNew();
        var (_, tail) = await JobResults.ReadPageAsync(_dist, job, Offset, 500, CancellationToken.None);
        deep.Stop();

        Assert.Equal(Enumerable.Range((int)Offset, 500).Select(i => (long)i), tail.Select(r => r[0].GetInt64()));
        output.WriteLine($"first page {first.Elapsed.TotalMilliseconds:0.0} ms, last page of {Rows} rows {deep.Elapsed.TotalMilliseconds:0.0} ms");
    }

    /// <summary>Replaces every newline after the schema line and before index entry <paramref name="entry"/>'s row by a space.</summary>
    private void JoinLinesBefore(Guid job, long entry)
    {
        string path = JobResults.PathOf(_dist, job);
        byte[] index = File.ReadAllBytes(Path.ChangeExtension(path, ".idx"));
        long end = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(index.AsSpan((int)(entry * sizeof(long))));
        byte[] result = File.ReadAllBytes(path);
        int start = Array.IndexOf(result, (byte)'\n') + 1;
        for (long i = start; i < end - 1; i++)
        {
            if (result[i] == (byte)'\n')
            {
                result[i] = (byte)' ';
            }
        }

        File.WriteAllBytes(path, result);
    }
}
