using System.Diagnostics;
using OrleansHa.Abstractions;

namespace OrleansHa.Coordination;

/// <summary>
/// Calls the master of the current epoch. A call refused because no master is active was not applied, so it is
/// retried for a short while: a failover of a fraction of a second stays invisible to callers; a longer one ends in
/// <see cref="NoActiveMasterException"/>, never a hang. Nodes (for REST) and grain clients call the master through this.
/// </summary>
public class MasterCalls(IGrainFactory grains, IActiveMasterSource masters, TimeSpan? retryFor = null)
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromMilliseconds(25);
    private readonly TimeSpan _retryFor = retryFor ?? TimeSpan.FromSeconds(5);

    /// <summary>A read: also retried when the master died during the call, since reading again is harmless.</summary>
    public Task<T> ReadAsync<T>(Func<IMasterGrain, Task<T>> call, CancellationToken cancellationToken) =>
        CallAsync(call, idempotent: true, cancellationToken);

    /// <summary>
    /// A write: retried only when it was surely not applied. If the master died during the call, whether it applied
    /// is unknown, and the caller is told so rather than risking applying it twice.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<IMasterGrain, Task<T>> call, CancellationToken cancellationToken) =>
        CallAsync(call, idempotent: false, cancellationToken);

    /// <inheritdoc cref="WriteAsync{T}(Func{IMasterGrain, Task{T}}, CancellationToken)"/>
    public Task WriteAsync(Func<IMasterGrain, Task> call, CancellationToken cancellationToken) =>
        CallAsync(
            async master =>
            {
                await call(master);
                return true;
            },
            idempotent: false,
            cancellationToken);

    /// <summary>
    /// Whether <paramref name="ex"/> says the node (or, for a grain client, the gateway) that a call went to died or
    /// could not be reached: the call may or may not have been applied.
    /// </summary>
    public static bool IsNodeLost(Exception ex) =>
        ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException;

    private async Task<T> CallAsync<T>(Func<IMasterGrain, Task<T>> call, bool idempotent, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                MasterInfo active = masters.Current ?? throw new NoActiveMasterException();
                Task<T> pending = call(grains.GetGrain<IMasterGrain>(active.Epoch));

                // A token of this call's own, cancelled when the call ends: a wait registered on a long-lived token
                // would stay attached to the master's change signal until the next failover, one per call.
                using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                Task replaced = masters.WaitForChangeFromAsync(active.Epoch, watching.Token);
                Task first = await Task.WhenAny(pending, replaced);
                await watching.CancelAsync();
                _ = replaced.ContinueWith(static t => t.Exception, TaskScheduler.Default);
                if (first != pending)
                {
                    // The master changed while the call was with it: do not wait for Orleans to declare its silo dead.
                    _ = pending.ContinueWith(static t => t.Exception, TaskScheduler.Default);
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new MasterReplacedException();
                }

                return await pending;
            }
            catch (NoActiveMasterException) when (deadline.Elapsed < _retryFor)
            {
                await Task.Delay(RetryEvery, cancellationToken);
            }
            catch (Exception ex) when (ex is MasterReplacedException || IsNodeLost(ex))
            {
                if (!idempotent || deadline.Elapsed >= _retryFor)
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

    /// <summary>The call's master was replaced before it answered.</summary>
    private sealed class MasterReplacedException() : Exception("the master was replaced during the call");
}
