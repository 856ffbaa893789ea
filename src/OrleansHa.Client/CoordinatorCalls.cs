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
/// <para>The client learns the coordinator by asking the job's grain (<see cref="IQueryGrain.GetSiloAsync"/>),
/// sent just before the call that matters and without waiting for its answer, so it adds no round trip. Both calls
/// name a new grain key and take the same gateway (the client picks the gateway by grain), whose placement places
/// the grain once for both, on itself; query grains keep their directory entry on their own silo, so every later
/// call through that gateway finds the same activation. The silo that answers is the one running the call.
/// <see cref="IQueryGrain.GetSiloAsync"/> interleaves, so it never waits behind the call.</para>
/// <para>A grain call carries no silo a client could read, and the client cannot tell which gateway a call takes;
/// with the grain placed on the coordinator that is its gateway (QueryPlacement prefers it), watching the grain's
/// silo covers the gateway too. Until the answer comes, the call is bound by the response timeout only, as before:
/// a window of a round trip.</para>
/// </remarks>
internal static class CoordinatorCalls
{
    /// <summary>
    /// Waits for <paramref name="placed"/> (the answer to <see cref="IQueryGrain.GetSiloAsync"/>, sent with
    /// <paramref name="call"/>) and watches that silo. Without an answer (the caller cancels, the node is lost) the
    /// call is abandoned, as by <see cref="UnlessDeadAsync"/>, and the exception thrown.
    /// </summary>
    /// <remarks>
    /// Until the answer comes the client cannot tell which gateway the calls took, so a gateway going out of reach
    /// meanwhile (<see cref="SiloDeathWatcher.NextGatewayLoss"/>) abandons them as lost: they may be waiting there for
    /// an answer that cannot come. At worst a call through another gateway is abandoned with them, and resubmitted.
    /// </remarks>
    public static async Task<SiloDeathWatch> WatchAsync(Task<string> placed, Task call, SiloDeathWatcher deaths, CancellationTokenSource? abandon, CancellationToken cancellationToken)
    {
        Task gatewayLoss = deaths.NextGatewayLoss;
        try
        {
            if (await Task.WhenAny(placed, gatewayLoss).WaitAsync(cancellationToken) != placed)
            {
                throw new SiloUnavailableException("A gateway went out of this client's reach before the call's coordinator answered; the call may be waiting there.");
            }

            return deaths.Watch(SiloAddress.FromParsableString(await placed));
        }
        catch
        {
            Observe(placed);
            await AbandonAsync(call, abandon);
            throw;
        }
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
            await AbandonAsync(call, abandon);
            throw new SiloUnavailableException(lost());
        }

        return await call;
    }

    private static async Task AbandonAsync(Task call, CancellationTokenSource? abandon)
    {
        Observe(call);
        if (abandon is not null)
        {
            await abandon.CancelAsync();
        }
    }

    /// <summary>Lets an abandoned call end on its own, its exception observed.</summary>
    public static void Observe(Task call) => _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
