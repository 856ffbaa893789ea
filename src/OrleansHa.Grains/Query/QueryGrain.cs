using System.Runtime.CompilerServices;
using Orleans.GrainDirectory;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Coordination;
using OrleansHa.Grains.Placement;

namespace OrleansHa.Grains.Query;

/// <summary>
/// One job on a coordinator: binds the catalog's sources and views (cached, see <see cref="CatalogCache"/>), picks the executor running the fewest queries, and
/// streams the executor's Arrow batches back as they come, untouched, so a large result never sits whole on the
/// coordinator and no value is looked at there.
/// </summary>
// On the coordinator that took the request when it can, with its directory entry kept there too: a failover or any
// other node's death leaves the job alone. Calls from elsewhere name the coordinator (QueryPlacementHints).
[QueryPlacement]
[RolePlacement(SiloRoles.Coordinator)]
[GrainDirectory(GrainDirectoryName = SiloLocalGrainDirectory.Name)]
#pragma warning disable CA1001 // Grains are not disposed; the token source goes in OnDeactivateAsync.
internal sealed partial class QueryGrain(
    IClusterMembershipService membership,
    ISiloMetadataCache metadata,
    CatalogCache catalogCache,
    JobLedger ledger,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    Microsoft.Extensions.Options.IOptions<QueryOptions> options,
    Diagnostics.OrleansHaMetrics metrics) : Grain, IQueryGrain
{
#pragma warning restore CA1001
    private CancellationTokenSource? _cancellation;

    public Task<string> GetSiloAsync() => Task.FromResult(silo.SiloAddress.ToParsableString());

    public IAsyncEnumerable<ArrowBatch> RunAsync(string sql, CancellationToken cancellationToken = default) =>
        metrics.TrackQueryAsync(StreamAsync(sql, onExecutorChosen: null, cancellationToken));

    /// <summary>
    /// Binds the sources, picks the executor (then calls <paramref name="onExecutorChosen"/>) and streams its batches.
    /// An executor found gone before the query reached it (killed, not yet declared dead everywhere, so placement
    /// refused it) is left out and another picked: the query never ran, so it simply runs elsewhere. One lost once the
    /// call was sent is the caller's to resubmit or not (the client's auto-resubmit).
    /// </summary>
    private async IAsyncEnumerable<ArrowBatch> StreamAsync(string sql, Func<Task>? onExecutorChosen, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        CatalogSnapshot catalog = await catalogCache.GetAsync();
        var gone = new HashSet<SiloAddress>();
        bool chosen = false;
        while (true)
        {
            (IExecutorGrain executor, SiloAddress executorSilo) = await PickExecutorAsync(gone);
            if (!chosen && onExecutorChosen is not null)
            {
                await onExecutorChosen();
            }

            chosen = true;
            IAsyncEnumerator<ArrowBatch> batches = executor
                .ExecuteAsync(new QueryRequest(this.GetPrimaryKey(), sql, catalog.Sources, catalog.Views), cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            bool any;
            try
            {
                any = await MoveNextUnlessDeadAsync(batches, executorSilo, cancellationToken);
            }
            catch (NoExecutorException) when (gone.Add(executorSilo))
            {
                // Its silo is gone: nothing to wait for in disposing its stream.
                _ = batches.DisposeAsync().AsTask().ContinueWith(static t => t.Exception, TaskScheduler.Default);
                continue;
            }
            catch
            {
                await batches.DisposeAsync();
                throw;
            }

            await using (batches)
            {
                if (!any)
                {
                    yield break;
                }

                yield return batches.Current;
                while (await MoveNextUnlessDeadAsync(batches, executorSilo, cancellationToken))
                {
                    yield return batches.Current;
                }
            }

            yield break;
        }
    }

    private static bool IsExecutorGone(Exception ex) => ex is NoExecutorException or SiloUnavailableException or OrleansMessageRejectionException;

    /// <summary>
    /// The next batch, or an error as soon as membership declares the executor dead: a call waiting on a dead
    /// executor's stream is not always failed by Orleans itself, and a user must never wait on a dead node.
    /// </summary>
    private async Task<bool> MoveNextUnlessDeadAsync(IAsyncEnumerator<ArrowBatch> batches, SiloAddress executor, CancellationToken cancellationToken)
    {
        Task<bool> next = batches.MoveNextAsync().AsTask();
        while (await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken)) != next)
        {
            if (membership.CurrentSnapshot.GetSiloStatus(executor) is SiloStatus.Dead or SiloStatus.None)
            {
                _ = next.ContinueWith(static t => t.Exception, TaskScheduler.Default);
                throw new SiloUnavailableException($"Executor {executor} died while running the query.");
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        return await next;
    }

    public async Task<JobInfo> StartAsync(string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (_cancellation is not null)
        {
            throw new InvalidOperationException($"Job {this.GetPrimaryKey()} has already started.");
        }

        JobInfo job = await RecordAsync(new JobInfo(
            this.GetPrimaryKey(), sql, JobState.Submitted, DateTimeOffset.UtcNow, null, null, 0, null, silo.SiloAddress.ToParsableString()));
        _cancellation = new CancellationTokenSource();

        // A job may outlive the idle collection age; this activation must stay while it runs.
        DelayDeactivation(TimeSpan.FromHours(1));
        _ = RunJobAsync(job, _cancellation.Token);
        return job;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _cancellation?.Dispose();
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task CancelAsync()
    {
        _cancellation?.Cancel();
        return Task.CompletedTask;
    }

    private async Task RunJobAsync(JobInfo job, CancellationToken cancellationToken)
    {
        try
        {
            // Running from the moment an executor has it: a failure after this point is the executor's.
            async Task MarkRunning() => job = await RecordAsync(job with { State = JobState.Running, StartedAt = DateTimeOffset.UtcNow });
            long rows = await JobResults.WriteAsync(options.Value.PathsDist, job.Id, metrics.TrackQueryAsync(StreamAsync(job.Sql, MarkRunning, cancellationToken)), cancellationToken);
            await RecordAsync(job with { State = JobState.Completed, EndedAt = DateTimeOffset.UtcNow, RowCount = rows });
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is QueryFailedException { Kind: QueryFailureKind.Canceled })
        {
            await RecordAsync(job with { State = JobState.Canceled, EndedAt = DateTimeOffset.UtcNow, Error = "The job was canceled." });
        }
        catch (Exception ex) when (ex is QueryFailedException or NoExecutorException or NoActiveMasterException or ArgumentException)
        {
            await RecordAsync(job with { State = JobState.Failed, EndedAt = DateTimeOffset.UtcNow, Error = ex.Message });
        }
        catch (Exception ex) when (ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
        {
            await RecordAsync(job with { State = JobState.Interrupted, EndedAt = DateTimeOffset.UtcNow, Error = $"The executor was lost: {ex.Message}" });
        }
    }

    /// <summary>
    /// Records the job's state with the master, or on paths.dist while no master is active (see <see cref="JobLedger"/>):
    /// the job runs either way.
    /// </summary>
    private Task<JobInfo> RecordAsync(JobInfo job) => ledger.RecordAsync(job);

    /// <summary>
    /// The least busy executor among the Active silos whose roles include executor, but for those in <paramref name="gone"/>.
    /// One that does not say how busy it is within <see cref="LoadPollTimeout"/> (killed, not yet declared dead) is
    /// passed over; should none answer, any may be picked, and its own call tells.
    /// </summary>
    private async Task<(IExecutorGrain Grain, SiloAddress Silo)> PickExecutorAsync(HashSet<SiloAddress> gone)
    {
        SiloAddress[] silos =
        [
            .. membership.CurrentSnapshot.Members.Values
                .Where(m => m.Status == SiloStatus.Active && !gone.Contains(m.SiloAddress) && SiloRoles.Has(metadata.GetSiloMetadata(m.SiloAddress), SiloRoles.Executor))
                .Select(m => m.SiloAddress),
        ];
        if (silos.Length == 0)
        {
            throw new NoExecutorException();
        }

        IExecutorGrain[] executors = [.. silos.Select(s => grains.GetGrain<IExecutorGrain>(s.ToParsableString()))];
        int[] running = await Task.WhenAll(executors.Select(RunningCountAsync));
        int least = running.Min();
        int[] idlest = [.. Enumerable.Range(0, silos.Length).Where(i => running[i] == least)];
#pragma warning disable CA5394 // Spreading ties needs no cryptographic randomness.
        int pick = idlest[Random.Shared.Next(idlest.Length)];
#pragma warning restore CA5394
        return (executors[pick], silos[pick]);
    }

    /// <summary>How long an executor has to say how busy it is before it is passed over for this query.</summary>
    private static readonly TimeSpan LoadPollTimeout = TimeSpan.FromSeconds(1);

    private static async Task<int> RunningCountAsync(IExecutorGrain executor)
    {
        try
        {
            return await executor.GetRunningCountAsync().WaitAsync(LoadPollTimeout);
        }
        catch (Exception ex) when (ex is TimeoutException || IsExecutorGone(ex))
        {
            return int.MaxValue;
        }
    }
}
