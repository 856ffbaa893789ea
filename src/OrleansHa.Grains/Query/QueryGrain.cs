using System.Runtime.CompilerServices;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Grains.Election;
using OrleansHa.Grains.Placement;

namespace OrleansHa.Grains.Query;

/// <summary>
/// One job on a coordinator: reads the sources from the master, picks the executor running the fewest queries, and
/// streams the executor's batches back as they come, so a large result never sits whole on the coordinator.
/// </summary>
// On the coordinator that took the request when it can (so a failover elsewhere leaves the job alone), else on
// another coordinator.
[PreferLocalPlacement]
[RolePlacement(SiloRoles.Coordinator)]
#pragma warning disable CA1001 // Grains are not disposed; the token source goes in OnDeactivateAsync.
internal sealed partial class QueryGrain(
    IClusterMembershipService membership,
    ISiloMetadataCache metadata,
    ActiveMasterWatcher masters,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    Microsoft.Extensions.Options.IOptions<QueryOptions> options) : Grain, IQueryGrain
{
#pragma warning restore CA1001
    private CancellationTokenSource? _cancellation;

    public async IAsyncEnumerable<ResultBatch> RunAsync(string sql, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        MasterInfo master = masters.Current ?? throw new NoActiveMasterException("No active master to read the catalog from; retry shortly.");
        IReadOnlyList<SourceInfo> sources = await grains.GetGrain<IMasterGrain>(master.Epoch).ListSourcesAsync();
        IExecutorGrain executor = await PickExecutorAsync();
        await foreach (ResultBatch batch in executor.ExecuteAsync(new QueryRequest(this.GetPrimaryKey(), sql, sources), cancellationToken))
        {
            yield return batch;
        }
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
            job = await RecordAsync(job with { State = JobState.Running, StartedAt = DateTimeOffset.UtcNow });
            long rows = await JobResults.WriteAsync(options.Value.PathsDist, job.Id, RunAsync(job.Sql, cancellationToken), cancellationToken);
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

    /// <summary>Records the job with the master, riding out a failover of the master (a few seconds at most).</summary>
    private async Task<JobInfo> RecordAsync(JobInfo job)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                MasterInfo master = masters.Current ?? throw new NoActiveMasterException();
                return await grains.GetGrain<IMasterGrain>(master.Epoch).RecordJobAsync(job);
            }
            catch (Exception ex) when (deadline.Elapsed < TimeSpan.FromSeconds(10)
                && ex is NoActiveMasterException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    /// <summary>The least busy executor among the Active silos whose roles include executor.</summary>
    private async Task<IExecutorGrain> PickExecutorAsync()
    {
        IExecutorGrain[] executors =
        [
            .. membership.CurrentSnapshot.Members.Values
                .Where(m => m.Status == SiloStatus.Active && SiloRoles.Has(metadata.GetSiloMetadata(m.SiloAddress), SiloRoles.Executor))
                .Select(m => grains.GetGrain<IExecutorGrain>(m.SiloAddress.ToParsableString())),
        ];
        if (executors.Length == 0)
        {
            throw new NoExecutorException();
        }

        int[] running = await Task.WhenAll(executors.Select(e => e.GetRunningCountAsync()));
        int least = running.Min();
        IExecutorGrain[] idlest = [.. executors.Where((_, i) => running[i] == least)];
#pragma warning disable CA5394 // Spreading ties needs no cryptographic randomness.
        return idlest[Random.Shared.Next(idlest.Length)];
#pragma warning restore CA5394
    }
}
