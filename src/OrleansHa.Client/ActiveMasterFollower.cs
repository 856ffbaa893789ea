using Microsoft.Extensions.Logging;
using OrleansHa.Abstractions;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Client;

/// <summary>
/// Follows <c>master/active</c> in ZooKeeper with a watch, so that master calls go to the current epoch's
/// <see cref="IMasterGrain"/> and a call whose master is replaced gives up on it at once.
/// </summary>
internal sealed partial class ActiveMasterFollower(SharedZooKeeperClient zooKeeper, MasterPaths paths, ILogger logger) : IActiveMasterSource, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile MasterInfo? _current;
    private Task _loop = Task.CompletedTask;

    public MasterInfo? Current => _current;

    public Task WaitForChangeFromAsync(long epoch, CancellationToken cancellationToken = default)
    {
        Task changed = Volatile.Read(ref _changed).Task;
        return _current?.Epoch == epoch ? changed.WaitAsync(cancellationToken) : Task.CompletedTask;
    }

    /// <summary>Starts following and returns once the record has been read once (there may be no master).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = FollowAsync(_stopping.Token);
        return _firstRead.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task FollowAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                ZooKeeperClient zk = await zooKeeper.GetAsync(stopping);
                Publish(await ReadAsync(zk, () => fired.TrySetResult(), stopping));
                _firstRead.TrySetResult();
                await fired.Task.WaitAsync(stopping);
            }
            catch (ZooKeeperException ex) when (!stopping.IsCancellationRequested)
            {
                LogReadFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(50), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>The record, with a watch that fires on its next change; null while none is registered.</summary>
    private async Task<MasterInfo?> ReadAsync(ZooKeeperClient zk, Action onChange, CancellationToken stopping)
    {
        if (await zk.ExistsAsync(paths.Active, _ => onChange(), stopping) is null)
        {
            return null;
        }

        try
        {
            return ActiveMasterRecord.Read((await zk.GetDataAsync(paths.Active, cancellationToken: stopping)).Data, paths.Active);
        }
        catch (NoNodeException)
        {
            return null; // gone between the two reads; the watch has fired or will
        }
        catch (FormatException ex)
        {
            LogUnreadable(logger, ex.Message);
            return null;
        }
    }

    private void Publish(MasterInfo? read)
    {
        if (_current == read)
        {
            return;
        }

        _current = read;
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        LogChanged(logger, read?.Epoch ?? 0, read?.NodeName ?? "(none)");
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Active master is now epoch {Epoch} on {Node}")]
    private static partial void LogChanged(ILogger logger, long epoch, string node);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Reading the active master failed, retrying: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "The active master record is unreadable: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
