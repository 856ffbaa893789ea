using System.Threading.Channels;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Diagnostics;
using OrleansHa.Coordination;
using OrleansHa.Grains.Election;
using Microsoft.Extensions.Options;
using OrleansHa.Grains.Query;
using OrleansHa.Node.Http;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Diagnostics;

/// <summary>
/// Feeds <see cref="OrleansHaMetrics"/> what this node sees: the active master (from <see cref="ActiveMasterFollower"/>,
/// the one place to repoint when the master's standing has another source) with the time each takeover took as the
/// store recorded it, the standbys registered in ZooKeeper, the ZooKeeper session's state and the job results kept on
/// <c>paths.dist</c>.
/// </summary>
internal sealed partial class MetricsFeed(
    OrleansHaMetrics metrics,
    ActiveMasterFollower masters,
    MasterClient masterCalls,
    SharedZooKeeperClient zooKeeper,
    IOptions<ElectionOptions> election,
    IOptions<QueryOptions> query,
    TimeProvider time,
    ILogger<MetricsFeed> logger) : BackgroundService
{
    private readonly string _candidates = election.Value.Znodes.MasterCandidates;

    // Changes are observed in the order they were seen, each after its tenure has been read from the master.
    private readonly Channel<MasterInfo?> _masterChanges = Channel.CreateUnbounded<MasterInfo?>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        masters.Changed += OnMasterChanged;
        OnMasterChanged(masters.Current);
        metrics.ObserveJobResults(() => MeasureJobResults(query.Value.PathsDist));
        try
        {
            await Task.WhenAll(ObserveMastersAsync(stoppingToken), WatchStandbysAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            masters.Changed -= OnMasterChanged;
        }
    }

    private void OnMasterChanged(MasterInfo? master) => _masterChanges.Writer.TryWrite(master);

    private async Task ObserveMastersAsync(CancellationToken stoppingToken)
    {
        await foreach (MasterInfo? master in _masterChanges.Reader.ReadAllAsync(stoppingToken))
        {
            DateTimeOffset seenAt = time.GetUtcNow();
            DateTimeOffset? previousLastAlive = master is null ? null : await PreviousMasterLastAliveAsync(master, stoppingToken);
            metrics.ObserveActiveMaster(master, seenAt, previousLastAlive);
        }
    }

    /// <summary>
    /// The last heartbeat of the master that <paramref name="master"/> replaced, from its tenure in the store; null when
    /// there is none or the master cannot be asked (then the takeover is timed as this node saw it).
    /// </summary>
    private async Task<DateTimeOffset?> PreviousMasterLastAliveAsync(MasterInfo master, CancellationToken stoppingToken)
    {
        try
        {
            IReadOnlyList<TenureInfo> newest = await masterCalls.ReadAsync(m => m.ListTenuresAsync(1), stoppingToken);
            return newest is [{ } tenure] && tenure.Epoch == master.Epoch ? tenure.PreviousLastAlive : null;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // Metrics never stop the node: a master that is already gone again or a silo still starting only costs precision.
            LogTenureUnreadable(logger, master.Epoch, ex.Message);
            return null;
        }
    }

    /// <summary>Keeps the standby count current with a child watch on <c>master/candidates</c>.</summary>
    /// <remarks>ZooKeeper faults (also an unreachable ensemble at start) are retried: metrics never stop the node.</remarks>
    private async Task WatchStandbysAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                ZooKeeperClient zk = await zooKeeper.GetAsync(stoppingToken);
                metrics.ObserveSessionState(() => zk.State);
                if (await zk.ExistsAsync(_candidates, _ => fired.TrySetResult(), stoppingToken) is null)
                {
                    metrics.ObserveStandbys(0);
                }
                else
                {
                    NodeChildren children = await zk.GetChildrenAsync(_candidates, _ => fired.TrySetResult(), stoppingToken);
                    metrics.ObserveStandbys(children.Children.Count);
                }

                await fired.Task.WaitAsync(stoppingToken);
            }
            catch (ZooKeeperException ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogStandbysUnreadable(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
    }

    /// <summary>The number and total size of the job results kept (not those being written).</summary>
    private static (long Files, long Bytes) MeasureJobResults(string pathsDist)
    {
        string sample = JobResults.PathOf(pathsDist, Guid.Empty);
        var folder = new DirectoryInfo(Path.GetDirectoryName(sample)!);
        if (!folder.Exists)
        {
            return (0, 0);
        }

        long files = 0, bytes = 0;
        foreach (FileInfo file in folder.EnumerateFiles("*" + Path.GetExtension(sample)))
        {
            files++;
            bytes += file.Length;
        }

        return (files, bytes);
    }

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Reading the tenure of epoch {Epoch} for metrics failed, timing its takeover as seen here: {Reason}")]
    private static partial void LogTenureUnreadable(ILogger logger, long epoch, string reason);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "Reading the standbys for metrics failed, retrying: {Reason}")]
    private static partial void LogStandbysUnreadable(ILogger logger, string reason);
}
