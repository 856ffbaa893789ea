using System.Runtime.CompilerServices;
using Apache.Arrow;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Sql;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Coordination;

namespace OrleansHa.Client;

/// <summary>
/// One query's result as it streams from the cluster: enumerate it (once) for columnar <see cref="ResultBatch"/>es, or
/// <see cref="RowsAsync"/> for rows, or <see cref="RecordBatchesAsync"/> for the Arrow record batches the executor
/// made (the fast path: no value is converted). It runs when enumeration starts.
/// </summary>
/// <remarks>
/// <para><b>Resubmission.</b> When the node running the query (its coordinator or executor, or the client's gateway)
/// is lost, a query that only reads is submitted again by itself, as a new job, <em>only if none of its batches has
/// reached the caller yet</em> (an aggregate, a sort, or any query interrupted before its first batch). Once a batch has
/// been handed out the interruption reaches the caller as <see cref="QueryInterruptedException"/>: resubmitting and
/// skipping the rows already delivered would be correct only for a query whose order is fully determined, which the
/// client cannot know. <see cref="Resubmissions"/>, <see cref="JobIds"/> and the <see cref="Resubmitted"/> event show
/// it happened, and the client logs it.</para>
/// <para>The coordinator counts as lost as soon as the membership table in ZooKeeper says it is dead (about a second
/// or two after a crash), not when the call waiting on it times out (<see cref="OrleansHaClientOptions.ResponseTimeout"/>):
/// with the query's first call the client asks the job's grain where it was placed, and races every call of the stream
/// against that silo's death (see <see cref="SiloDeathWatcher"/>).</para>
/// <para>Errors: <see cref="QueryFailedException"/> (the engine or the sandbox refused it; not retriable),
/// <see cref="NoExecutorException"/>, <see cref="NoActiveMasterException"/>, <see cref="QueryInterruptedException"/>
/// (retriable), <see cref="OperationCanceledException"/> when the caller's token is canceled.</para>
/// </remarks>
public sealed partial class QueryResult : IAsyncEnumerable<ResultBatch>
{
    private readonly IGrainFactory _grains;
    private readonly SiloDeathWatcher _deaths;
    private readonly OrleansHaClientOptions _options;
    private readonly ILogger _logger;
    private readonly List<Guid> _jobIds = [];
    private int _started;

    internal QueryResult(IGrainFactory grains, SiloDeathWatcher deaths, string sql, bool autoResubmit, OrleansHaClientOptions options, ILogger logger)
    {
        _grains = grains;
        _deaths = deaths;
        _options = options;
        _logger = logger;
        Sql = sql;
        CanResubmit = autoResubmit && options.MaxResubmissions > 0 && SqlText.IsRead(sql);
    }

    /// <summary>Raised when an interrupted attempt is resubmitted, before the new attempt starts.</summary>
    public event EventHandler<QueryResubmittedEventArgs>? Resubmitted;

    public string Sql { get; }

    /// <summary>Whether an interruption before the first batch is resubmitted by itself: auto-resubmit is on and the query only reads.</summary>
    public bool CanResubmit { get; }

    /// <summary>How many times the query has been submitted (a job each).</summary>
    public int Attempts => _jobIds.Count;

    /// <summary>How many times it was resubmitted after an interruption: <see cref="Attempts"/> - 1.</summary>
    public int Resubmissions => Math.Max(0, Attempts - 1);

    /// <summary>The job id of each attempt, the last one current.</summary>
    public IReadOnlyList<Guid> JobIds => [.. _jobIds];

    /// <summary>
    /// The coordinator running the current attempt, as its silo address (see <see cref="NodeStatus.SiloAddress"/>),
    /// once known; a resubmission may run on another. Null before the query starts.
    /// </summary>
    public string? Coordinator { get; private set; }

    /// <summary>The result's columns, once the first batch has arrived.</summary>
    public IReadOnlyList<ResultColumn>? Columns { get; private set; }

    /// <summary>The result's Arrow schema, once the first batch has arrived.</summary>
    public Schema? Schema { get; private set; }

    /// <summary>How many batches have been handed to the caller.</summary>
    public long BatchesDelivered { get; private set; }

    /// <summary>How many rows have been handed to the caller.</summary>
    public long RowsDelivered { get; private set; }

    /// <summary>Starts the query. A stream can be enumerated once; run the query again with a new <c>QueryAsync</c>.</summary>
    public IAsyncEnumerator<ResultBatch> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        ResultBatchesAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>
    /// Starts the query and streams its result as Arrow record batches, as the executor made them (each decoded over the
    /// bytes that arrived, without a copy). The caller disposes each batch. Enumerated once, like the stream itself.
    /// </summary>
    public async IAsyncEnumerable<RecordBatch> RecordBatchesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (ArrowBatch batch in StartAsync(cancellationToken).WithCancellation(cancellationToken))
        {
            RecordBatch decoded = batch.Decode();
            if (Schema is null)
            {
                Schema = decoded.Schema;
                Columns = [.. decoded.Schema.FieldsList.Select(field => new ResultColumn(field.Name, ResultBatch.ResultTypeOf(field.DataType)))];
            }

            yield return decoded;
        }
    }

    private async IAsyncEnumerable<ResultBatch> ResultBatchesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (RecordBatch batch in RecordBatchesAsync(cancellationToken))
        {
            using (batch)
            {
                yield return ResultBatch.FromArrow(batch);
            }
        }
    }

    private IAsyncEnumerable<ArrowBatch> StartAsync(CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _started, 1) == 0
            ? RunAsync(cancellationToken)
            : throw new InvalidOperationException("A query stream is enumerated once; call QueryAsync again to run the query again.");

    /// <summary>The result row by row, each row's values in column order (see <see cref="ResultBatch.GetRow"/>).</summary>
    public async IAsyncEnumerable<object?[]> RowsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (ResultBatch batch in this.WithCancellation(cancellationToken))
        {
            foreach (object?[] row in batch.Rows())
            {
                yield return row;
            }
        }
    }

    /// <summary>Whether <paramref name="ex"/> says a node the query depended on was lost (not that the query failed).</summary>
    internal static bool IsInterruption(Exception ex) => MasterCalls.IsNodeLost(ex) || ex is EnumerationAbortedException;

    private async IAsyncEnumerable<ArrowBatch> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var jobId = Guid.NewGuid();
            _jobIds.Add(jobId);
            Coordinator = null;
            IQueryGrain grain = _grains.GetGrain<IQueryGrain>(jobId);

            // Cancelled when the coordinator dies, to drop the abandoned call at once rather than at its timeout.
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            SiloDeathWatch? coordinator = null;
            IAsyncEnumerator<ArrowBatch>? batches = null;
            Exception? interruption = null;
            try
            {
                IAsyncEnumerator<ArrowBatch> stream = grain.RunAsync(Sql, attempt.Token).GetAsyncEnumerator(attempt.Token);
                batches = stream;
                Task<bool>? first = null;
                try
                {
                    // Where the grain is placed is asked with the query's first call, not before it (see CoordinatorCalls).
                    Task<string> placed = grain.GetSiloAsync();
                    first = stream.MoveNextAsync().AsTask();
                    coordinator = await CoordinatorCalls.WatchAsync(placed, first, _deaths, attempt, cancellationToken);
                    Coordinator = coordinator.Silo.ToParsableString();
                }
                catch (Exception ex) when (IsInterruption(ex) && !cancellationToken.IsCancellationRequested)
                {
                    interruption = ex;
                }

                if (coordinator is not null)
                {
                    while (true)
                    {
                        try
                        {
                            bool moved = await MoveNextUnlessDeadAsync(first ?? stream.MoveNextAsync().AsTask(), coordinator, jobId, attempt);
                            first = null;
                            if (!moved)
                            {
                                break;
                            }
                        }
                        catch (Exception ex) when (IsInterruption(ex) && !cancellationToken.IsCancellationRequested)
                        {
                            interruption = ex;
                            break;
                        }

                        ArrowBatch batch = stream.Current;
                        BatchesDelivered++;
                        RowsDelivered += batch.RowCount;
                        yield return batch;
                    }
                }
            }
            finally
            {
                coordinator?.Dispose();
                if (batches is not null)
                {
                    await DisposeQuietlyAsync(batches, interrupted: interruption is not null);
                }
            }

            if (interruption is null)
            {
                yield break;
            }

            if (!CanResubmit || BatchesDelivered > 0 || Resubmissions >= _options.MaxResubmissions)
            {
                throw new QueryInterruptedException(DescribeInterruption(interruption), interruption, Attempts, BatchesDelivered);
            }

            LogResubmitting(_logger, jobId, Attempts + 1, interruption.GetType().Name, interruption.Message);
            Resubmitted?.Invoke(this, new QueryResubmittedEventArgs(Attempts + 1, jobId, interruption));
            await Task.Delay(_options.ResubmitDelay * Attempts, cancellationToken);
        }
    }

    /// <summary>
    /// The next batch (<paramref name="next"/>), or <see cref="SiloUnavailableException"/> as soon as the query's
    /// coordinator is dead in the membership table: the call waiting on it would otherwise end only at the response
    /// timeout. The call itself honours the caller's token (through <paramref name="attempt"/>), so the race does not
    /// wait on it.
    /// </summary>
    private static Task<bool> MoveNextUnlessDeadAsync(Task<bool> next, SiloDeathWatch coordinator, Guid jobId, CancellationTokenSource attempt) =>
        next.IsCompleted
            ? next
            : CoordinatorCalls.UnlessDeadAsync(
                next,
                coordinator,
                () => $"Coordinator {coordinator.Silo.ToParsableString()} running query job {jobId} is dead in the membership table.",
                attempt,
                CancellationToken.None);

    private string DescribeInterruption(Exception interruption)
    {
        string why = !CanResubmit
            ? SqlText.IsRead(Sql) ? "auto-resubmit is off" : "the query is not a read, so it is not resubmitted by itself"
            : BatchesDelivered > 0
                ? $"{BatchesDelivered} batch(es) had already been delivered, so it is not resubmitted by itself"
                : $"it was already resubmitted {Resubmissions} time(s)";
        return $"The query (job {_jobIds[^1]}) was interrupted by the loss of a node ({interruption.Message}); {why}. Submit it again.";
    }

    /// <summary>
    /// Ends the remote enumeration. After an interruption its node may be gone, and Orleans would wait the response
    /// timeout for an answer: then the disposal is left to finish (or fail) on its own.
    /// </summary>
    private static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<ArrowBatch> batches, bool interrupted)
    {
        Task disposing = batches.DisposeAsync().AsTask();
        if (interrupted)
        {
            _ = disposing.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            return;
        }

        try
        {
            await disposing;
        }
        catch (Exception ex) when (IsInterruption(ex))
        {
            // The result was complete, or the caller stopped early; losing the node now costs nothing.
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Query job {JobId} was interrupted by the loss of a node before any result reached the caller; resubmitting it as attempt {Attempt} ({Reason}: {Message})")]
    private static partial void LogResubmitting(ILogger logger, Guid jobId, int attempt, string reason, string message);
}

/// <summary>An interrupted query is being submitted again.</summary>
/// <param name="attempt">The attempt about to start (2 for the first resubmission).</param>
/// <param name="interruptedJobId">The job that was interrupted.</param>
/// <param name="reason">What interrupted it.</param>
public sealed class QueryResubmittedEventArgs(int attempt, Guid interruptedJobId, Exception reason) : EventArgs
{
    public int Attempt { get; } = attempt;

    public Guid InterruptedJobId { get; } = interruptedJobId;

    public Exception Reason { get; } = reason;
}
