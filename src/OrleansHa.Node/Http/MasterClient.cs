using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Election;

namespace OrleansHa.Node.Http;

/// <summary>
/// Calls the master of the current epoch. A call refused because no master is active was not applied, so it is
/// retried for a short while: a failover of a fraction of a second stays invisible to REST users; a longer one ends
/// in <see cref="NoActiveMasterException"/> (503), never a hang.
/// </summary>
internal sealed class MasterClient(IGrainFactory grains, ActiveMasterWatcher watcher)
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryEvery = TimeSpan.FromMilliseconds(25);

    /// <summary>A read: also retried when the master died during the call, since reading again is harmless.</summary>
    public Task<T> ReadAsync<T>(Func<IMasterGrain, Task<T>> call, CancellationToken cancellationToken) =>
        CallAsync(call, idempotent: true, cancellationToken);

    /// <summary>
    /// A write: retried only when it was surely not applied. If the master died during the call, whether it applied
    /// is unknown, and the caller is told so (503) rather than risking applying it twice.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<IMasterGrain, Task<T>> call, CancellationToken cancellationToken) =>
        CallAsync(call, idempotent: false, cancellationToken);

    public Task WriteAsync(Func<IMasterGrain, Task> call, CancellationToken cancellationToken) =>
        CallAsync(
            async master =>
            {
                await call(master);
                return true;
            },
            idempotent: false,
            cancellationToken);

    private async Task<T> CallAsync<T>(Func<IMasterGrain, Task<T>> call, bool idempotent, CancellationToken cancellationToken)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                MasterInfo active = watcher.Current ?? throw new NoActiveMasterException();
                Task<T> pending = call(grains.GetGrain<IMasterGrain>(active.Epoch));
                Task replaced = watcher.WaitForChangeFromAsync(active.Epoch, cancellationToken);
                if (await Task.WhenAny(pending, replaced) != pending)
                {
                    // The master changed while the call was with it: do not wait for Orleans to declare its silo dead.
                    _ = pending.ContinueWith(static t => t.Exception, TaskScheduler.Default);
                    throw new MasterReplacedException();
                }

                return await pending;
            }
            catch (NoActiveMasterException) when (deadline.Elapsed < RetryFor)
            {
                await Task.Delay(RetryEvery, cancellationToken);
            }
            catch (Exception ex) when (IsMasterLost(ex))
            {
                if (!idempotent || deadline.Elapsed >= RetryFor)
                {
                    throw new NoActiveMasterException(
                        idempotent
                            ? "The master died during the call and no new master answered in time; retry shortly."
                            : "The master died during the call: the write may or may not have been applied; check, then retry.",
                        ex);
                }

                await Task.Delay(RetryEvery, cancellationToken);
            }
        }
    }

    private static bool IsMasterLost(Exception ex) =>
        ex is MasterReplacedException or SiloUnavailableException or OrleansMessageRejectionException or TimeoutException;

    /// <summary>The call's master was replaced before it answered.</summary>
    private sealed class MasterReplacedException() : Exception("the master was replaced during the call");
}
