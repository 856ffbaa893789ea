using System.Runtime.CompilerServices;
using Apache.Arrow;
using OrleansHa.Abstractions.Query;
using OrleansHa.Engine;
using OrleansHa.Grains.Query;

namespace OrleansHa.Grains.Tests.Query;

/// <summary>Queries on the real engine, in a sandbox that reads no file unless given directories, for tests of what consumes results.</summary>
internal static class EngineQueries
{
    public static QuerySandbox Sandbox(params string[] allowedDirectories) => new() { AllowedDirectories = allowedDirectories, Threads = 2 };

    /// <summary>The result as Arrow batches, as the executor grain hands it out; engine failures as <see cref="QueryFailedException"/>s.</summary>
    public static async IAsyncEnumerable<ArrowBatch> RunAsync(string sql, QuerySandbox? sandbox = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using IAsyncEnumerator<RecordBatch> batches = SandboxedDuckDb.ExecuteAsync(sql, sandbox ?? Sandbox(), ct: ct).GetAsyncEnumerator(ct);
        while (await EngineCalls.MoveNextAsync(batches))
        {
            using RecordBatch batch = batches.Current;
            yield return ArrowBatch.Encode(batch);
        }
    }

    /// <summary>The result as rows and vectors, each batch through the wire's encoding.</summary>
    public static async Task<List<ResultBatch>> ListAsync(string sql, QuerySandbox? sandbox = null)
    {
        var batches = new List<ResultBatch>();
        await foreach (ArrowBatch batch in RunAsync(sql, sandbox))
        {
            batches.Add(batch.ToResultBatch());
        }

        return batches;
    }
}
