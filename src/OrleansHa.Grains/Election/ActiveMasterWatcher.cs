using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansHa.Abstractions;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Election;

/// <summary>
/// Every node watches <c>master/active</c> and keeps the current master record: server_status, the master's
/// placement and every caller of <see cref="IMasterGrain"/> read it from here, never from a guess.
/// </summary>
public sealed partial class ActiveMasterWatcher(SharedZooKeeperClient zooKeeper, IOptions<ElectionOptions> options, ILogger<ActiveMasterWatcher> logger)
    : BackgroundService, IActiveMasterSource
{
    private readonly MasterPaths _paths = new(options.Value.ClusterRoot);
    private volatile MasterInfo? _current;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The active master as last read, or null while none is registered.</summary>
    public MasterInfo? Current => _current;

    /// <summary>Raised (off the I/O loop) when the active master changes.</summary>
    public event Action<MasterInfo?>? Changed;

    /// <summary>
    /// Completes once the active master is no longer the one of <paramref name="epoch"/>: a caller waiting on that
    /// master can give up on it then, instead of waiting for Orleans to declare its silo dead.
    /// </summary>
    public Task WaitForChangeFromAsync(long epoch, CancellationToken cancellationToken = default)
    {
        Task changed = Volatile.Read(ref _changed).Task;
        return _current?.Epoch == epoch ? changed.WaitAsync(cancellationToken) : Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                ZooKeeperClient zk = await zooKeeper.GetAsync(stoppingToken);
                MasterInfo? read = null;
                if (await zk.ExistsAsync(_paths.Active, _ => fired.TrySetResult(), stoppingToken) is not null)
                {
                    try
                    {
                        read = MasterRecords.ReadMaster((await zk.GetDataAsync(_paths.Active, cancellationToken: stoppingToken)).Data, _paths.Active);
                    }
                    catch (NoNodeException)
                    {
                        // Gone between the two reads; the watch has fired or will.
                    }
                    catch (FormatException ex)
                    {
                        LogUnreadable(logger, ex.Message);
                    }
                }

                Publish(read);
                await fired.Task.WaitAsync(stoppingToken);
            }
            catch (ZooKeeperException ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogReadFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(50), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Publish(MasterInfo? read)
    {
        MasterInfo? previous = _current;
        if (previous == read)
        {
            return;
        }

        _current = read;
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        LogChanged(logger, read?.Epoch ?? 0, read?.NodeName ?? "(none)");
        Changed?.Invoke(read);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Active master is now epoch {Epoch} on {Node}")]
    private static partial void LogChanged(ILogger logger, long epoch, string node);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Reading the active master failed, retrying: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "The active master record is unreadable: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
