using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Json;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Query;

/// <summary>
/// A job's result on the shared drive, for REST paging and for streaming it again from any coordinator:
/// <c>&lt;paths.dist&gt;/jobs/&lt;id&gt;.arrows</c>, the executor's Arrow batches as they came, each a complete Arrow IPC
/// stream (<see cref="ArrowBatch"/>) after its length and its row count (two little-endian int32s); and beside it <c>&lt;id&gt;.idx</c>, for
/// every <see cref="IndexEvery"/>th row the position of the batch that holds it and that batch's first row (two
/// little-endian int64s), so a page deep in a large result is found with one seek rather than by reading every batch
/// before it. Written as batches arrive, so memory stays bounded; moved into place only when complete (the index first),
/// so a reader never sees half a result.
/// </summary>
public static class JobResults
{
    /// <summary>Rows between two index entries: a page read skips at most this many rows.</summary>
    internal const int IndexEvery = 2048;

    private const int IndexEntry = 2 * sizeof(long);

    public static string PathOf(string pathsDist, Guid jobId) => Path.Combine(pathsDist, "jobs", jobId.ToString("N") + ".arrows");

    private static string IndexPathOf(string pathsDist, Guid jobId) => Path.ChangeExtension(PathOf(pathsDist, jobId), ".idx");

    /// <summary>Writes the stream to the job's file and returns the number of rows.</summary>
    public static async Task<long> WriteAsync(string pathsDist, Guid jobId, IAsyncEnumerable<ArrowBatch> batches, CancellationToken cancellationToken)
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
                byte[] entry = new byte[IndexEntry];
                byte[] header = new byte[2 * sizeof(int)];
                await foreach (ArrowBatch batch in batches.WithCancellation(cancellationToken))
                {
                    // An entry for each multiple of IndexEvery that falls in this batch.
                    for (long row = (rows + IndexEvery - 1) / IndexEvery * IndexEvery; row < rows + batch.RowCount; row += IndexEvery)
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(entry, file.Position);
                        BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(sizeof(long)), rows);
                        await index.WriteAsync(entry, cancellationToken);
                    }

                    BinaryPrimitives.WriteInt32LittleEndian(header, batch.Ipc.Length);
                    BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(sizeof(int)), batch.RowCount);
                    await file.WriteAsync(header, cancellationToken);
                    await file.WriteAsync(batch.Ipc, cancellationToken);
                    rows += batch.RowCount;
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

    /// <summary>
    /// A finished job's stored batches from the first one that holds row <paramref name="fromRow"/> on, each with its
    /// first row: what a Flight stream of a stored result, or one taken up again after a lost coordinator, reads.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no stored result for the job under <paramref name="pathsDist"/>.</exception>
    public static async IAsyncEnumerable<(long FirstRow, ArrowBatch Batch)> ReadBatchesAsync(
        string pathsDist,
        Guid jobId,
        long fromRow = 0,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromRow);
        await using var file = new FileStream(PathOf(pathsDist, jobId), FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        long firstRow = 0;
        if (await FindIndexedBatchAsync(IndexPathOf(pathsDist, jobId), fromRow / IndexEvery, cancellationToken) is { } indexed)
        {
            file.Position = indexed.Position;
            firstRow = indexed.FirstRow;
        }
        else if (File.Exists(IndexPathOf(pathsDist, jobId)) && fromRow > 0)
        {
            yield break; // past the end
        }

        byte[] header = new byte[2 * sizeof(int)];
        while (await file.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken) == header.Length)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(header);
            int batchRows = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(sizeof(int)));
            if (firstRow + batchRows > fromRow || (batchRows == 0 && fromRow == 0))
            {
                byte[] ipc = new byte[length];
                await file.ReadExactlyAsync(ipc, cancellationToken);
                yield return (firstRow, new ArrowBatch(ipc, batchRows));
            }
            else
            {
                file.Seek(length, SeekOrigin.Current); // a batch before the row asked for: skipped unread
            }

            firstRow += batchRows;
        }
    }

    /// <summary>The schema and rows <paramref name="offset"/> .. offset+limit of a finished job's result.</summary>
    public static async Task<(JsonElement Schema, IReadOnlyList<JsonElement> Rows)> ReadPageAsync(string pathsDist, Guid jobId, long offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        JsonElement? schema = null;
        var rows = new List<JsonElement>(limit);
        await foreach ((long firstRow, ArrowBatch stored) in ReadBatchesAsync(pathsDist, jobId, offset, cancellationToken))
        {
            ResultBatch batch = stored.ToResultBatch();
            schema ??= SchemaOf(batch);
            for (long row = Math.Max(0, offset - firstRow); row < batch.RowCount && rows.Count < limit; row++)
            {
                rows.Add(JsonSerializer.SerializeToElement(batch.GetRow((int)row)));
            }

            if (rows.Count == limit)
            {
                break;
            }
        }

        return (schema ?? await FirstSchemaAsync(pathsDist, jobId, cancellationToken), rows);
    }

    // A page past the end still says what the columns are.
    private static async Task<JsonElement> FirstSchemaAsync(string pathsDist, Guid jobId, CancellationToken cancellationToken)
    {
        await foreach ((_, ArrowBatch stored) in ReadBatchesAsync(pathsDist, jobId, 0, cancellationToken))
        {
            return SchemaOf(stored.ToResultBatch());
        }

        return JsonSerializer.SerializeToElement(Array.Empty<object>());
    }

    private static JsonElement SchemaOf(ResultBatch batch) =>
        JsonSerializer.SerializeToElement(batch.Columns.Select(c => new { name = c.Name, type = c.Type.ToString().ToUpperInvariant() }));

    /// <summary>
    /// The position and first row of the batch holding row <paramref name="entry"/> × <see cref="IndexEvery"/>, or
    /// null when there is no index or that row is past the end.
    /// </summary>
    private static async Task<(long Position, long FirstRow)?> FindIndexedBatchAsync(string indexPath, long entry, CancellationToken cancellationToken)
    {
        if (!File.Exists(indexPath))
        {
            return null;
        }

        await using var index = new FileStream(indexPath, FileMode.Open, FileAccess.Read, FileShare.Read, IndexEntry, useAsync: true);
        if ((entry + 1) * IndexEntry > index.Length)
        {
            return null;
        }

        byte[] buffer = new byte[IndexEntry];
        index.Position = entry * IndexEntry;
        await index.ReadExactlyAsync(buffer, cancellationToken);
        return (BinaryPrimitives.ReadInt64LittleEndian(buffer), BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(sizeof(long))));
    }
}
