using System.Text.Json;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Query;

/// <summary>
/// A job's result on the shared drive, for REST paging: <c>&lt;paths.dist&gt;/jobs/&lt;id&gt;.jsonl</c>, a first line with
/// the schema, then one JSON array per row. Written as batches arrive, so memory stays bounded; moved into place
/// only when complete, so a reader never sees half a result.
/// </summary>
public static class JobResults
{
    public static string PathOf(string pathsDist, Guid jobId) => Path.Combine(pathsDist, "jobs", jobId.ToString("N") + ".jsonl");

    /// <summary>Writes the stream to the job's file and returns the number of rows.</summary>
    public static async Task<long> WriteAsync(string pathsDist, Guid jobId, IAsyncEnumerable<ResultBatch> batches, CancellationToken cancellationToken)
    {
        string path = PathOf(pathsDist, jobId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string partial = path + ".partial";
        long rows = 0;
        await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
        {
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
                    await WriteLineAsync(file, batch.GetRow(row), cancellationToken);
                }

                rows += batch.RowCount;
            }

            if (!wroteSchema)
            {
                await WriteLineAsync(file, Array.Empty<object>(), cancellationToken);
            }
        }

        File.Move(partial, path, overwrite: true);
        return rows;
    }

    /// <summary>The schema and rows <paramref name="offset"/> .. offset+limit of a finished job's result.</summary>
    public static async Task<(JsonElement Schema, IReadOnlyList<JsonElement> Rows)> ReadPageAsync(string pathsDist, Guid jobId, long offset, int limit, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(PathOf(pathsDist, jobId));
        string schemaLine = await reader.ReadLineAsync(cancellationToken) ?? "[]";
        JsonElement schema = JsonDocument.Parse(schemaLine).RootElement.Clone();
        var rows = new List<JsonElement>(limit);
        long index = 0;
        while (rows.Count < limit && await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (index++ >= offset)
            {
                rows.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        return (schema, rows);
    }

    private static async Task WriteLineAsync<T>(Stream file, T value, CancellationToken cancellationToken)
    {
        await JsonSerializer.SerializeAsync(file, value, cancellationToken: cancellationToken);
        file.WriteByte((byte)'\n');
    }
}
