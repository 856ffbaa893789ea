using System.Runtime.CompilerServices;
using Orleans.Concurrency;
using Orleans.GrainDirectory;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using Apache.Arrow;
using OrleansHa.Engine;
using OrleansHa.Sql;

namespace OrleansHa.Grains.Query;

/// <summary>
/// Runs queries on this executor node with DuckDB, in a sandbox that can read only the directories of the sources
/// the query names. Reentrant: queries run side by side, each on its own DuckDB database, taken warm from the node's
/// <see cref="SandboxPool"/> when one with the same sources and limits is idle.
/// </summary>
[ExecutorPlacement]
[GrainDirectory(GrainDirectoryName = SiloLocalGrainDirectory.Name)]
[Reentrant]
internal sealed class ExecutorGrain(SandboxPool pool) : Grain, IExecutorGrain
{
    private int _running;

    public Task<int> GetRunningCountAsync() => Task.FromResult(Volatile.Read(ref _running));

    public async IAsyncEnumerable<ArrowBatch> ExecuteAsync(QueryRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sandbox = new QuerySandbox
        {
            AllowedDirectories = [.. request.Sources.Select(s => s.Path)],
            Views = SourceViews.For(request.Sources, request.Views, request.Sql),
        };
        Interlocked.Increment(ref _running);
        try
        {
            await using IAsyncEnumerator<RecordBatch> batches = SandboxedDuckDb.ExecuteAsync(request.Sql, sandbox, pool, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (await EngineCalls.MoveNextAsync(batches))
            {
                using RecordBatch batch = batches.Current;
                yield return ArrowBatch.Encode(batch);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}

/// <summary>Each source becomes a view over its directory's files, by the file kinds found there.</summary>
internal static class SourceViews
{
    /// <summary>
    /// The views a query needs: the sources and catalog views that <paramref name="sql"/> names, and those that the
    /// named views name in turn (all of them when <paramref name="sql"/> is null). DuckDB binds a view when it is
    /// created, reading its files' schema, so a query pays only for the names it uses, not for the whole catalog.
    /// Source and view names never clash: the master refuses it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(IReadOnlyList<SourceInfo> sources, IReadOnlyList<ViewInfo> views, string? sql = null)
    {
        // First of each name: the master refuses names that differ only in case, but a store written before it did may hold some.
        var sourcesByName = sources.DistinctBy(s => s.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var viewsByName = views.DistinctBy(v => v.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(v => v.Name, StringComparer.OrdinalIgnoreCase);
        var needed = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new Queue<string>(sql is null ? [.. sourcesByName.Keys, .. viewsByName.Keys] : SqlText.NamesIn(sql));
        while (pending.TryDequeue(out string? name))
        {
            if (sourcesByName.TryGetValue(name, out SourceInfo? source) && !needed.ContainsKey(source.Name))
            {
                needed[source.Name] = SelectFor(source.Path);
            }
            else if (viewsByName.TryGetValue(name, out ViewInfo? view) && !needed.ContainsKey(view.Name))
            {
                needed[view.Name] = view.Sql;
                foreach (string named in SqlText.NamesIn(view.Sql))
                {
                    pending.Enqueue(named);
                }
            }
        }

        return needed;
    }

    private static string SelectFor(string directory)
    {
        string glob = directory.TrimEnd('/') + "/**/*";
        string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        bool Has(string extension) => Directory.Exists(directory)
            && Directory.EnumerateFiles(directory, "*" + extension, SearchOption.AllDirectories).Any();

        return Has(".parquet") ? $"SELECT * FROM read_parquet({Quote(glob + ".parquet")})"
            : Has(".csv") ? $"SELECT * FROM read_csv({Quote(glob + ".csv")})"
            : Has(".json") ? $"SELECT * FROM read_json({Quote(glob + ".json")})"
            // Fails only the queries that read it: a source registered before its files arrive must not break the others.
            : $"SELECT error({Quote($"Source directory {directory} holds no .parquet, .csv or .json file.")})";
    }
}
