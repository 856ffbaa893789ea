using OrleansHa.Grains.Election;

namespace OrleansHa.Grains.Health;

/// <summary>
/// What the node's heartbeat proves before it says the node works (ARCHITECTURE §4.8): a grain turn completes on this
/// silo, and the master latch's standing is sound (on the active master: its session may live, it still holds the
/// lock, and a store transaction completes).
/// </summary>
internal sealed class NodeHealthProbe(IGrainFactory grains, MasterLatch latch)
{
    /// <summary>The master latch's standing now, for status lines.</summary>
    public MasterStanding Standing => latch.Standing;

    /// <summary>Null when the node works, else what failed. A probe that does not complete within <paramref name="timeout"/> fails.</summary>
    public async Task<string?> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<IHeartbeatGrain>(0).PingAsync().WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return $"a grain turn did not complete within {timeout.TotalMilliseconds:0} ms";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"a grain turn failed: {ex.Message}";
        }

        // The latch's proof includes a durable store write; it runs off the caller's thread so a stalled disk
        // shows as a missed deadline rather than a stalled heartbeat loop.
        try
        {
            return await Task.Run(latch.ProveStanding, cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return $"the master's standing could not be proved within {timeout.TotalMilliseconds:0} ms";
        }
    }
}
