using System.Text.Json;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Query;

/// <summary>
/// A job's result on the shared drive, for REST paging: <c>&lt;paths.dist&gt;/jobs/&lt;id&gt;.jsonl</c>, a first line with
/// the schema, then one JSON array per row, and beside it <c>&lt;id&gt;.idx</c>, the byte offset of every
/// <see cref="IndexEvery"/>th row (little-endian int64s), so a page deep in a large result is found with one seek
/// rather than by reading every row before it. Written as batches arrive, so memory stays bounded; moved into place
/// only when complete (the index first), so a reader never sees half a result.
/// </summary>
public static class JobResults
{
    /// <summary>Rows between two index entries: a page read skips at most this many rows.</summary>
    internal const int IndexEvery = 256;

    public static string PathOf(string pathsDist, Guid jobId) => Path.Combine(pathsDist, "jobs", jobId.ToString("N") + ".jsonl");

    private static string IndexPathOf(string pathsDist, Guid jobId) => Path.ChangeExtension(PathOf(pathsDist, jobId), ".idx");

    /// <summary>Writes the stream to the job's file and returns the number of rows.</summary>
    public static async Task<long> WriteAsync(string pathsDist, Guid jobId, IAsyncEnumerable<ResultBatch> batches, CancellationToken cancellationToken)
    {
        string path = PathOf(pathsDist, jobId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string partial = path + ".partial";
        string indexPath = IndexPathOf(pathsDist, jobId);
        string indexPartial = indexPath + ".partial";
        long rows = 0;
        try
        {
            await using (var index = new FileStream(indexPartial, FileMode.Create, FileAccess.Write, FileShare.None, 16 * 1024, useAsync: true))
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                byte[] entry = new byte[sizeof(long)];
                bool wroteSchema = false;
                await foreach (ResultBatch batch in batches.WithCancellation(cancellationToken))
                {
                    if (!wroteSchema)
                    {
                        await WriteLineAsync(file, batch.Columns.Select(c => new { name = c.Name, type = c.Type.ToString().ToUpperInvariant() }), cancellationToken);
                        wroteSchema = true;
                    }

                    for (int row = 0; row < batch.RowCount; row++)
                    {
                        if ((rows + row) % IndexEvery == 0)
                        {
                            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(entry, file.Position);
                            await index.WriteAsync(entry, cancellationToken);
                        }

                        await WriteLineAsync(file, batch.GetRow(row), cancellationToken);
                    }

                    rows += batch.RowCount;
                }

                if (!wroteSchema)
                {
                    await WriteLineAsync(file, Array.Empty<object>(), cancellationToken);
                }
            }

            File.Move(indexPartial, indexPath, overwrite: true);
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            // A failed or canceled job leaves nothing behind on the shared drive.
            File.Delete(partial);
            File.Delete(indexPartial);
            throw;
        }
        return rows;
    }

    /// <summary>The schema and rows <paramref name="offset"/> .. offset+limit of a finished job's result.</summary>
    public static async Task<(JsonElement Schema, IReadOnlyList<JsonElement> Rows)> ReadPageAsync(string pathsDist, Guid jobId, long offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        await using var file = new FileStream(PathOf(pathsDist, jobId), FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        using var reader = new StreamReader(file);
        string schemaLine = await reader.ReadLineAsync(cancellationToken) ?? "[]";
        JsonElement schema = JsonDocument.Parse(schemaLine).RootElement.Clone();

        long skip = offset;
        switch (await FindIndexedRowAsync(IndexPathOf(pathsDist, jobId), offset / IndexEvery, cancellationToken))
        {
            case (true, null):
                return (schema, []); // past the end
            case (true, long position):
                file.Position = position;
                reader.DiscardBufferedData();
                skip = offset % IndexEvery;
                break;
        }

        var rows = new List<JsonElement>(limit);
        for (long index = 0; rows.Count < limit && await reader.ReadLineAsync(cancellationToken) is { } line; index++)
        {
            if (index >= skip)
            {
                rows.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        return (schema, rows);
    }

    /// <summary>
    /// Whether the result has an index, and the byte offset of row <paramref name="entry"/> × <see cref="IndexEvery"/>
    /// (null when that row is past the end).
    /// </summary>
    private static async Task<(bool Indexed, long? Position)> FindIndexedRowAsync(string indexPath, long entry, CancellationToken cancellationToken)
    {
        if (!File.Exists(indexPath))
        {
            return (false, null);
        }

        await using var index = new FileStream(indexPath, FileMode.Open, FileAccess.Read, FileShare.Read, sizeof(long), useAsync: true);
        if ((entry + 1) * sizeof(long) > index.Length)
        {
            return (true, null);
        }

        byte[] buffer = new byte[sizeof(long)];
        index.Position = entry * sizeof(long);
        await index.ReadExactlyAsync(buffer, cancellationToken);
        return (true, System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(buffer));
    }

    private static async Task WriteLineAsync<T>(Stream file, T value, CancellationToken cancellationToken)
    {
        await JsonSerializer.SerializeAsync(file, value, cancellationToken: cancellationToken);
        file.WriteByte((byte)'\n');
    }
}
