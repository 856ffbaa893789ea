using Microsoft.Extensions.Logging;
using OrleansHa.Abstractions;
using OrleansHa.Coordination;

namespace OrleansHa.Grains.Query;

/// <summary>
/// A coordinator's copy of the catalog (sources and views). Before each query it asks the master for the catalog
/// version, a cheap call, and refetches the catalog only when the version moved; so a query sees every change
/// acknowledged before it started. While no master answers, the check waits out a crash failover (well under a
/// second, up to <see cref="WaitForNewMaster"/>) so that a change acknowledged just before the crash is seen; a
/// longer outage (a master stopped rather than crashed) runs queries on the last copy rather than failing them.
/// </summary>
internal sealed partial class CatalogCache(IGrainFactory grains, ActiveMasterFollower masters, ILogger<CatalogCache> logger)
{
    /// <summary>How long a coordinator's calls that are safe to repeat ride out a master failover (which takes well under a second).</summary>
    internal static readonly TimeSpan RideOutFailoverFor = TimeSpan.FromSeconds(10);

    private readonly MasterCalls _patient = new(grains, masters, RideOutFailoverFor);
    /// <summary>How long the version check waits for a new master before the last copy is used.</summary>
    internal static readonly TimeSpan WaitForNewMaster = TimeSpan.FromSeconds(2);

    private readonly MasterCalls _versionCheck = new(grains, masters, WaitForNewMaster);
    private CatalogSnapshot? _snapshot;

    /// <summary>How many times the catalog was fetched whole (for tests and operators).</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    private int _fetches;

    /// <exception cref="NoActiveMasterException">No master answered and this coordinator has no copy yet.</exception>
    public async Task<CatalogSnapshot> GetAsync()
    {
        CatalogSnapshot? known = Volatile.Read(ref _snapshot);
        if (known is null)
        {
            return await FetchAsync();
        }

        long version;
        try
        {
            version = await _versionCheck.ReadAsync(m => m.GetCatalogVersionAsync(), CancellationToken.None);
        }
        catch (Exception ex) when (ex is NoActiveMasterException || MasterCalls.IsNodeLost(ex))
        {
            LogServingCached(logger, known.Version, ex.Message);
            return known;
        }

        return version == known.Version ? known : await FetchAsync();
    }

    private async Task<CatalogSnapshot> FetchAsync()
    {
        CatalogSnapshot fetched = await _patient.ReadAsync(m => m.GetCatalogAsync(), CancellationToken.None);
        Interlocked.Increment(ref _fetches);

        // Keep the newest copy when fetches race.
        CatalogSnapshot? current;
        do
        {
            current = Volatile.Read(ref _snapshot);
            if (current is not null && current.Version >= fetched.Version)
            {
                return fetched;
            }
        }
        while (Interlocked.CompareExchange(ref _snapshot, fetched, current) != current);
        return fetched;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No master answered ({Reason}); the query uses the cached catalog at version {Version}.")]
    private static partial void LogServingCached(ILogger logger, long version, string reason);
}
