using Orleans.Runtime;
using OrleansHa.Abstractions.Query;
using OrleansHa.Clustering.ZooKeeper;

namespace OrleansHa.Client;

/// <summary>
/// Calls to a job's grain on its coordinator that give up as soon as the membership table says that coordinator is
/// dead, instead of at the response timeout: Orleans fails a call whose silo (or the client's gateway) was killed
/// only when the call times out, 30 s by default.
/// </summary>
/// <remarks>
/// The client learns the coordinator by asking the job's grain (<see cref="IQueryGrain.GetSiloAsync"/>) before the
/// call that matters: that first call places the grain, so the silo that answers is the one the next call on the same
/// key runs on. It costs one small round trip per query. A grain call itself carries no silo a client could read, and
/// the client cannot tell which gateway a call takes; with the grain placed on the coordinator that is the client's
/// gateway for it (preferred local placement), watching the grain's silo covers the gateway too.
/// </remarks>
internal static class CoordinatorCalls
{
    /// <summary>Places the job's grain and starts watching the silo it landed on.</summary>
    public static async Task<SiloDeathWatch> WatchAsync(IQueryGrain grain, SiloDeathWatcher deaths, CancellationToken cancellationToken)
    {
        string silo = await grain.GetSiloAsync().WaitAsync(cancellationToken);
        return deaths.Watch(SiloAddress.FromParsableString(silo));
    }

    /// <summary>
    /// The call's result, or <see cref="SiloUnavailableException"/> (saying <paramref name="lost"/>) as soon as the
    /// coordinator is dead. The abandoned call is cancelled through <paramref name="abandon"/> when given, which frees
    /// Orleans' record of it at once, and its outcome is observed.
    /// </summary>
    public static async Task<T> UnlessDeadAsync<T>(Task<T> call, SiloDeathWatch coordinator, Func<string> lost, CancellationTokenSource? abandon, CancellationToken cancellationToken)
    {
        Task done;
        try
        {
            done = await Task.WhenAny(call, coordinator.Dead).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Observe(call);
            throw;
        }

        if (done != call)
        {
            Observe(call);
            if (abandon is not null)
            {
                await abandon.CancelAsync();
            }

            throw new SiloUnavailableException(lost());
        }

        return await call;
    }

    /// <summary>Lets an abandoned call end on its own, its exception observed.</summary>
    public static void Observe(Task call) => _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
