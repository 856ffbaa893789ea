using Apache.Arrow;
using DuckDB.NET.Data;



namespace OrleansHa.Engine.Tests;

/// <summary>
/// Real files to query, in a fresh temp directory: <c>data/</c> is the allowed directory, <c>outside/</c> is not.
/// Parquet files are written by DuckDB itself, on a plain (unsandboxed) connection.
/// </summary>
/// <remarks>
/// <code>
/// data/people.csv            id,name,score,born,active (3 rows, one NULL score)
/// data/events.json           newline-delimited JSON with a nested object
/// data/sales.parquet         1000 rows: id BIGINT, amount DECIMAL(10,2), ratio DOUBLE, day DATE, ts TIMESTAMP, note VARCHAR (NULL every 10th), blob BLOB
/// data/parts/part-0..2.parquet   100 rows each, part INTEGER and n BIGINT
/// data/links/secret.csv      symbolic link to outside/secret.csv
/// data/links/outside-dir     symbolic link to outside/
/// outside/secret.csv         what no query may read
/// </code>
/// </remarks>
public sealed class QueryFiles : IDisposable
{
    public QueryFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), "orleansha-query-tests", Guid.NewGuid().ToString("N"));
        Data = Path.Combine(Root, "data");
        Outside = Path.Combine(Root, "outside");
        Directory.CreateDirectory(Path.Combine(Data, "parts"));
        Directory.CreateDirectory(Path.Combine(Data, "links"));
        Directory.CreateDirectory(Outside);

        File.WriteAllText(
            Path.Combine(Data, "people.csv"),
            "id,name,score,born,active\n1,Ada,9.5,1815-12-10,true\n2,Alan,,1912-06-23,false\n3,Grace,8.25,1906-12-09,true\n");
        File.WriteAllText(
            Path.Combine(Data, "events.json"),
            "{\"id\": 1, \"kind\": \"login\", \"meta\": {\"ip\": \"10.0.0.1\"}}\n{\"id\": 2, \"kind\": \"logout\", \"meta\": {\"ip\": \"10.0.0.2\"}}\n");
        File.WriteAllText(Path.Combine(Outside, "secret.csv"), "secret\nhunter2\n");
        File.CreateSymbolicLink(Path.Combine(Data, "links", "secret.csv"), Path.Combine(Outside, "secret.csv"));
        Directory.CreateSymbolicLink(Path.Combine(Data, "links", "outside-dir"), Outside);

        using var plain = new DuckDBConnection("DataSource=:memory:");
        plain.Open();
        Execute(plain, $"""
            COPY (
                SELECT i::BIGINT AS id,
                       (i * 1.25)::DECIMAL(10,2) AS amount,
                       i / 8.0 AS ratio,
                       DATE '2024-01-01' + (i % 365)::INTEGER AS day,
                       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) SECOND AS ts,
                       CASE WHEN i % 10 = 0 THEN NULL ELSE 'note ' || i END AS note,
                       ('b' || i)::BLOB AS blob
                FROM range(1000) t(i)
            ) TO '{Path.Combine(Data, "sales.parquet")}' (FORMAT parquet)
            """);
        for (var part = 0; part < 3; part++)
        {
            Execute(plain, $"COPY (SELECT {part}::INTEGER AS part, i AS n FROM range(100) t(i)) TO '{Path.Combine(Data, "parts", $"part-{part}.parquet")}' (FORMAT parquet)");
        }
    }

    public string Root { get; }

    /// <summary>The allowed directory.</summary>
    public string Data { get; }

    /// <summary>A directory next to it that is not allowed.</summary>
    public string Outside { get; }

    internal QuerySandbox Sandbox(TimeSpan? timeout = null, string memoryLimit = "256MB") => new()
    {
        AllowedDirectories = [Data],
        MemoryLimit = memoryLimit,
        Timeout = timeout ?? TimeSpan.FromSeconds(20),
        Threads = 2,
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Every batch of the result (the caller disposes them).</summary>
    internal static async Task<List<RecordBatch>> RunAsync(string sql, QuerySandbox sandbox, SandboxPool? pool = null, CancellationToken ct = default)
    {
        var batches = new List<RecordBatch>();
        await foreach (var batch in SandboxedDuckDb.ExecuteAsync(sql, sandbox, pool, ct))
        {
            batches.Add(batch);
        }

        return batches;
    }

    internal static async Task<List<object?[]>> RowsAsync(string sql, QuerySandbox sandbox, SandboxPool? pool = null)
    {
        var batches = await RunAsync(sql, sandbox, pool);
        var rows = batches.SelectMany(ArrowValues.Rows).ToList();
        batches.ForEach(batch => batch.Dispose());
        return rows;
    }

    internal static async Task<EngineException> FailsAsync(string sql, QuerySandbox sandbox, EngineFailureKind kind, SandboxPool? pool = null, CancellationToken ct = default)
    {
        var failure = await Assert.ThrowsAsync<EngineException>(() => RunAsync(sql, sandbox, pool, ct));
        Assert.True(kind == failure.Kind, $"expected {kind}, got {failure.Kind}: {failure.Message}");
        return failure;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
