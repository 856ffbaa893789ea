using System.Runtime.CompilerServices;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Grains.Election;
using OrleansHa.Grains.Placement;

namespace OrleansHa.Grains.Query;

/// <summary>
/// One job on a coordinator: reads the sources from the master, picks the executor running the fewest queries, and
/// streams the executor's batches back as they come, so a large result never sits whole on the coordinator.
/// </summary>
[RolePlacement(SiloRoles.Coordinator)]
internal sealed class QueryGrain(
    IClusterMembershipService membership,
    ISiloMetadataCache metadata,
    ActiveMasterWatcher masters,
    IGrainFactory grains) : Grain, IQueryGrain
{
    public async IAsyncEnumerable<ResultBatch> RunAsync(string sql, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        MasterInfo master = masters.Current ?? throw new NoActiveMasterException("No active master to read the catalog from; retry shortly.");
        IReadOnlyList<SourceInfo> sources = await grains.GetGrain<IMasterGrain>(master.Epoch).ListSourcesAsync();
        IExecutorGrain executor = await PickExecutorAsync();
        await foreach (ResultBatch batch in executor.ExecuteAsync(new QueryRequest(this.GetPrimaryKey(), sql, sources), cancellationToken))
        {
            yield return batch;
        }
    }

    /// <summary>The least busy executor among the Active silos whose roles include executor.</summary>
    private async Task<IExecutorGrain> PickExecutorAsync()
    {
        IExecutorGrain[] executors =
        [
            .. membership.CurrentSnapshot.Members.Values
                .Where(m => m.Status == SiloStatus.Active && SiloRoles.Has(metadata.GetSiloMetadata(m.SiloAddress), SiloRoles.Executor))
                .Select(m => grains.GetGrain<IExecutorGrain>(m.SiloAddress.ToParsableString())),
        ];
        if (executors.Length == 0)
        {
            throw new NoExecutorException();
        }

        int[] running = await Task.WhenAll(executors.Select(e => e.GetRunningCountAsync()));
        int least = running.Min();
        IExecutorGrain[] idlest = [.. executors.Where((_, i) => running[i] == least)];
#pragma warning disable CA5394 // Spreading ties needs no cryptographic randomness.
        return idlest[Random.Shared.Next(idlest.Length)];
#pragma warning restore CA5394
    }
}
