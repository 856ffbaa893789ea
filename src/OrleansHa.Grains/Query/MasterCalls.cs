using System.Diagnostics;
using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Election;

namespace OrleansHa.Grains.Query;

/// <summary>Calls from a coordinator's grains to the active master, for calls that are safe to repeat.</summary>
internal static class MasterCalls
{
    /// <summary>How long a repeatable call rides out a failover before it gives up (a failover takes well under a second).</summary>
    public static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Calls the active master, retrying while none is active or the one called died, for up to
    /// <paramref name="retryFor"/>. Only for calls that are safe to repeat.
    /// </summary>
    public static async Task<T> CallAsync<T>(IGrainFactory grains, ActiveMasterWatcher masters, Func<IMasterGrain, Task<T>> call, TimeSpan retryFor)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                MasterInfo master = masters.Current ?? throw new NoActiveMasterException();
                return await call(grains.GetGrain<IMasterGrain>(master.Epoch));
            }
            catch (Exception ex) when (elapsed.Elapsed < retryFor && IsMasterUnavailable(ex))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    /// <summary>No master answered: none is active, or the one called died or was replaced during the call.</summary>
    public static bool IsMasterUnavailable(Exception ex) =>
        ex is NoActiveMasterException or SiloUnavailableException or OrleansMessageRejectionException or TimeoutException;
}
