using Microsoft.Extensions.Logging;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Clustering.ZooKeeper;

namespace OrleansHa.Client;

/// <summary>Queries, jobs, the catalog and the cluster's status.</summary>
public sealed partial class OrleansHaClient
{
    /// <summary>
    /// Runs <paramref name="sql"/> on a coordinator and streams its result; nothing is sent until the returned stream is
    /// enumerated. See <see cref="QueryResult"/> for errors and resubmission.
    /// </summary>
    /// <param name="sql">The query.</param>
    /// <param name="autoResubmit">Overrides <see cref="OrleansHaClientOptions.AutoResubmit"/> for this query.</param>
    public QueryResult QueryAsync(string sql, bool? autoResubmit = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return new QueryResult(Grains, _deaths, sql, autoResubmit ?? _options.AutoResubmit, _options, _logger);
    }

    /// <summary>Starts <paramref name="sql"/> as a job and returns at once; follow it with <see cref="GetJobAsync"/>.</summary>
    /// <exception cref="NoActiveMasterException">The job could not be recorded because no master answered.</exception>
    /// <exception cref="SiloUnavailableException">
    /// The coordinator died while starting the job (noticed as soon as the membership table says so): it may have been
    /// recorded, and then ends Interrupted; see <see cref="ListJobsAsync"/>, and start it again.
    /// </exception>
    public async Task<JobInfo> StartJobAsync(string sql, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        var jobId = Guid.NewGuid();
        IQueryGrain grain = Grains.GetGrain<IQueryGrain>(jobId);
        Task<string> placed = grain.GetSiloAsync();
        Task<JobInfo> starting = grain.StartAsync(sql);
        using SiloDeathWatch coordinator = await CoordinatorCalls.WatchAsync(placed, starting, _deaths, abandon: null, cancellationToken);
        return await CoordinatorCalls.UnlessDeadAsync(
            starting,
            coordinator,
            () => $"Coordinator {coordinator.Silo.ToParsableString()} died while starting job {jobId}; it may have been recorded (and then ends Interrupted). Start it again.",
            abandon: null,
            cancellationToken);
    }

    /// <summary>The job as the master records it, or null if there is none with that id that the user may see (its own; any for an admin).</summary>
    public Task<JobInfo?> GetJobAsync(Guid id, CancellationToken cancellationToken = default) =>
        _masterCalls.ReadAsync(master => master.GetJobAsync(id), cancellationToken);

    /// <summary>The <paramref name="limit"/> most recently submitted jobs the user may see (its own; all for an admin), newest first.</summary>
    public Task<IReadOnlyList<JobInfo>> ListJobsAsync(int limit = 20, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _masterCalls.ReadAsync(master => master.ListJobsAsync(limit), cancellationToken);
    }

    /// <summary>Cancels a job started with <see cref="StartJobAsync"/> if it is still running.</summary>
    /// <exception cref="Abstractions.Security.PermissionDeniedException">The job is not the user's own and the user is not an admin.</exception>
    public async Task CancelJobAsync(Guid id, CancellationToken cancellationToken = default)
    {
        // A job's grain is found through the coordinator running it (the master's record says which), not a directory.
        JobInfo? job = await GetJobAsync(id, cancellationToken);
        if (job is { IsFinished: true })
        {
            return;
        }

        await QueryPlacementHints.CallOnAsync(job?.Coordinator, () => Grains.GetGrain<IQueryGrain>(id).CancelAsync().WaitAsync(cancellationToken));
    }

    public Task<IReadOnlyList<SourceInfo>> ListSourcesAsync(CancellationToken cancellationToken = default) =>
        _masterCalls.ReadAsync(master => master.ListSourcesAsync(), cancellationToken);

    /// <summary>Registers a source: <paramref name="name"/> becomes readable in queries as the files under <paramref name="path"/>.</summary>
    /// <exception cref="CatalogException">It exists, or the name or path is invalid.</exception>
    /// <exception cref="Abstractions.Security.PermissionDeniedException">The user is not an admin (as for every change of sources and views).</exception>
    public Task CreateSourceAsync(string name, string path, CancellationToken cancellationToken = default) =>
        _masterCalls.WriteAsync(master => master.CreateSourceAsync(name, path), cancellationToken);

    /// <exception cref="CatalogException">There is no such source.</exception>
    public Task DropSourceAsync(string name, CancellationToken cancellationToken = default) =>
        _masterCalls.WriteAsync(master => master.DropSourceAsync(name), cancellationToken);

    /// <summary>The catalog's views by name: a name queries use for a SQL text.</summary>
    public Task<IReadOnlyList<ViewInfo>> ListViewsAsync(CancellationToken cancellationToken = default) =>
        _masterCalls.ReadAsync(master => master.ListViewsAsync(), cancellationToken);

    /// <summary>Creates the view <paramref name="name"/> for <paramref name="sql"/>, or replaces its SQL; returns its new version (1 when created).</summary>
    /// <exception cref="CatalogException">A source has that name, or the name or SQL is invalid.</exception>
    public Task<long> PutViewAsync(string name, string sql, CancellationToken cancellationToken = default) =>
        _masterCalls.WriteAsync(master => master.PutViewAsync(name, sql), cancellationToken);

    /// <exception cref="CatalogException">There is no such view.</exception>
    public Task DropViewAsync(string name, CancellationToken cancellationToken = default) =>
        _masterCalls.WriteAsync(master => master.DropViewAsync(name), cancellationToken);

    /// <summary>
    /// The cluster as a coordinator sees it: nodes with roles and status, the active master (and its epoch), the
    /// standbys. Where the coordinator knows no master yet, the client's own reading of ZooKeeper fills it in.
    /// </summary>
    /// <summary>The latest <paramref name="limit"/> changes of master, newest first, from the master's record of its tenures.</summary>
    /// <exception cref="NoActiveMasterException">No master answered (a failover is in progress).</exception>
    public async Task<IReadOnlyList<Failover>> GetFailoverHistoryAsync(int limit = 10, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Failover.From(await _masterCalls.ReadAsync(master => master.ListTenuresAsync(limit), cancellationToken));
    }

    public async Task<ClusterStatus> GetClusterStatusAsync(CancellationToken cancellationToken = default)
    {
        ClusterStatus status = await Grains.GetGrain<IClusterStatusGrain>(0).GetStatusAsync().WaitAsync(cancellationToken);
        return status.Master is null && ActiveMaster is { } master ? status with { Master = master } : status;
    }
}
