using Orleans.Concurrency;

namespace OrleansHa.Abstractions.Query;

/// <summary>
/// One query (a job), on a coordinator: binds catalog names, picks the least busy executor and streams its result
/// back as Arrow batches, as the executor made them. The key is the job id.
/// </summary>
public interface IQueryGrain : IGrainWithGuidKey
{
    /// <summary>
    /// The silo this job's grain lives on (its parsable address, as in the membership table and
    /// <see cref="NodeStatus.SiloAddress"/>). The first call to a job's grain places it, so a caller that asks this
    /// first learns where the <see cref="RunAsync"/> or <see cref="StartAsync"/> that follows will run, and can give
    /// up on the call as soon as that silo is declared dead instead of waiting for the response timeout.
    /// </summary>
    [AlwaysInterleave]
    Task<string> GetSiloAsync();

    /// <exception cref="QueryFailedException">The engine or the sandbox refused the query, or it ran out of time or memory.</exception>
    /// <exception cref="NoExecutorException">No executor is up.</exception>
    IAsyncEnumerable<ArrowBatch> RunAsync(string sql, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts the query as a job and returns at once: the job is recorded by the master (submitted, running, then
    /// completed, failed or canceled) and its result kept on the shared drive for paging by any coordinator.
    /// </summary>
    Task<JobInfo> StartAsync(string sql);

    /// <summary>Cancels the job if it is still running; the cancellation reaches DuckDB.</summary>
    Task CancelAsync();
}

/// <summary>Runs queries on one executor node; the key is that node's silo address.</summary>
public interface IExecutorGrain : IGrainWithStringKey
{
    /// <summary>How many queries this executor is running now.</summary>
    Task<int> GetRunningCountAsync();

    /// <summary>The query's result as Arrow batches, one per engine chunk (at most 2048 rows).</summary>
    IAsyncEnumerable<ArrowBatch> ExecuteAsync(QueryRequest request, CancellationToken cancellationToken = default);
}

/// <summary>
/// What an executor runs: the SQL, the sources it may read (each a view of its directory's files) and the catalog's
/// views over them.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record QueryRequest(
    [property: Id(0)] Guid JobId,
    [property: Id(1)] string Sql,
    [property: Id(2)] IReadOnlyList<SourceInfo> Sources,
    [property: Id(3)] IReadOnlyList<ViewInfo> Views);

/// <summary>No executor node is up to run a query. Retriable once one joins.</summary>
[GenerateSerializer]
public sealed class NoExecutorException : Exception
{
    public NoExecutorException()
        : base("No executor is available to run the query; start a node with services.executor.enabled.")
    {
    }

    public NoExecutorException(string message)
        : base(message)
    {
    }

    public NoExecutorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
