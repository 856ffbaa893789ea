using Microsoft.Extensions.Logging;
using OrleansHa.Abstractions;
using OrleansHa.Coordination;
using OrleansHa.Grains.Storage;
using OrleansHa.ZooKeeper;
using OrleansHa.ZooKeeper.Recipes;
using ErrorCode = OrleansHa.ZooKeeper.ErrorCode;

namespace OrleansHa.Grains.Election;

/// <summary>Waiting and claiming: from a standby on the lock to the holder of the next epoch.</summary>
internal sealed partial class MasterLatch
{
    private static readonly TimeSpan FirstClaimRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan CandidateRemovalBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Waits on the lock as a registered candidate, then claims the next epoch. Null when the node refused to become
    /// master (its store is not the cluster's).
    /// </summary>
    private async Task<Tenure?> StandAsync(CancellationToken stoppingToken)
    {
        MasterLock held;
        using (var candidacy = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            Task candidate = KeepCandidateNodeAsync(candidacy.Token);
            Transition(MasterStanding.Waiting, 0, $"standing for election: waiting on the lock in {_options.PathsDb}");
            Waiting.TrySetResult();
            try
            {
                held = await MasterLock.AcquireAsync(_options.PathsDb, _options.NodeName, stoppingToken);
            }
            finally
            {
                await candidacy.CancelAsync();
                await candidate;
            }
        }

        if (!Transition(MasterStanding.Claiming, 0, $"acquired the lock {held.Path}"))
        {
            held.Dispose();
            return null;
        }

        Tenure tenure;
        try
        {
            tenure = await ClaimAsync(held, stoppingToken);
        }
        catch (ForeignStoreException ex)
        {
            LogForeignStore(logger, ex.Message);
            held.Dispose();
            Transition(MasterStanding.Closed, 0, "refused to become master: " + ex.Message);
            return null;
        }
        catch
        {
            held.Dispose();
            throw;
        }

        lock (_gate)
        {
            if (_standing != MasterStanding.Claiming)
            {
                // Fenced while claiming (Orleans gave up on this silo): the tenure never starts.
                tenure.End();
                tenure.Release();
                return null;
            }

            _tenure = tenure;
        }

        LogTenureStart(logger, tenure.Epoch, tenure.Info.NodeName, tenure.Info.Since);
        string previous = tenure.PreviousMasterLastAlive is { } alive
            ? $"; the previous master was last alive {(tenure.Info.Since - alive).TotalMilliseconds:0} ms before"
            : string.Empty;
        Transition(MasterStanding.Active, tenure.Epoch, $"published master/active for epoch {tenure.Epoch}{previous}");
        return tenure;
    }

    /// <summary>
    /// Holding the lock: bumps the epoch with a version-checked write and publishes <c>master/active</c> in one multi,
    /// after recording the epoch in the store, which refuses a lower one. Retried for as long as the node runs when
    /// ZooKeeper cannot be reached or a concurrent change spoiled an attempt: the lock holder is the only node that can
    /// become master, and giving up would leave the cluster without one.
    /// </summary>
    private async Task<Tenure> ClaimAsync(MasterLock held, CancellationToken cancellationToken)
    {
        TimeSpan delay = FirstClaimRetryDelay;
        for (int attempt = 1; ; attempt++)
        {
            MetadataStore? store = null;
            try
            {
                ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
                await zk.EnsurePathAsync(_options.Znodes.Master, cancellationToken);
                await zk.CreateIfMissingAsync(_options.Znodes.MasterEpoch, MasterRecords.Serialize(new EpochRecord(0, null)), cancellationToken);
                NodeData epochNode = await zk.GetDataAsync(_options.Znodes.MasterEpoch, cancellationToken: cancellationToken);
                EpochRecord last = MasterRecords.ReadEpoch(epochNode.Data, _options.Znodes.MasterEpoch);
                ZooKeeperSession session = zk.Session ?? throw ZooKeeperException.Create(ErrorCode.ConnectionLoss, _options.Znodes.MasterActive, "no session");
                store = OpenStore(last);
                var info = new MasterInfo(store.Epoch, _options.NodeName, silo.SiloAddress.ToParsableString(), _options.WebUrl, time.GetUtcNow());
                List<Op> ops = [Op.SetData(_options.Znodes.MasterEpoch, MasterRecords.Serialize(new EpochRecord(store.Epoch, store.StoreId)), epochNode.Stat.Version)];

                // Holding the lock proves the previous master's process is gone (the kernel frees it only then), so its
                // record may be removed now rather than after its session times out.
                if (await zk.ExistsAsync(_options.Znodes.MasterActive, cancellationToken: cancellationToken) is { } stale)
                {
                    ops.Add(Op.Delete(_options.Znodes.MasterActive, stale.Version));
                }

                ops.Add(Op.Create(_options.Znodes.MasterActive, ActiveMasterRecord.Serialize(info), CreateMode.Ephemeral));
                await ApplyClaimAsync(zk, ops, session, store.Epoch, cancellationToken);
                return new Tenure(info, held, store, zk, session, store.PreviousMasterLastAlive());
            }
            catch (Exception ex) when (ex is ZooKeeperException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                // The store keeps the epoch it recorded; the next attempt takes a higher one.
                store?.Dispose();
                LogClaimRetry(logger, attempt, delay.TotalMilliseconds, ex.Message);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ClaimRetryMaxDelay.Ticks));
            }
            catch
            {
                store?.Dispose();
                throw;
            }
        }
    }

    /// <summary>Opens the shared store for the epoch after <paramref name="last"/>, or after the store's own if it is ahead.</summary>
    private MetadataStore OpenStore(EpochRecord last)
    {
        long epoch = last.Epoch + 1;
        while (true)
        {
            try
            {
                return MetadataStore.Open(_options.PathsDb, epoch, _options.NodeName, last.StoreId);
            }
            catch (StaleEpochException ex)
            {
                epoch = ex.RecordedEpoch + 1;
            }
        }
    }

    /// <summary>The claim's multi; when its reply was lost, whether it applied is read back rather than guessed.</summary>
    private async Task ApplyClaimAsync(ZooKeeperClient zk, List<Op> ops, ZooKeeperSession session, long epoch, CancellationToken cancellationToken)
    {
        try
        {
            await zk.MultiAsync(ops, cancellationToken);
        }
        catch (ConnectionLossException)
        {
            if (!await WasAppliedAsync(zk, session, epoch, cancellationToken))
            {
                throw;
            }
        }
    }

    private async Task<bool> WasAppliedAsync(ZooKeeperClient zk, ZooKeeperSession session, long epoch, CancellationToken cancellationToken)
    {
        await zk.WaitUntilConnectedAsync(cancellationToken);
        try
        {
            NodeData active = await zk.GetDataAsync(_options.Znodes.MasterActive, cancellationToken: cancellationToken);
            return active.Stat.EphemeralOwner == session.Id && ActiveMasterRecord.Read(active.Data, _options.Znodes.MasterActive).Epoch == epoch;
        }
        catch (NoNodeException)
        {
            return false;
        }
    }

    /// <summary>Keeps <c>master/candidates/&lt;node&gt;</c> while this node waits, across session renewals.</summary>
    private async Task KeepCandidateNodeAsync(CancellationToken cancellationToken)
    {
        string path = _options.Znodes.MasterCandidates + "/" + _options.NodeName;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
                ZooKeeperSession session = zk.Session ?? throw ZooKeeperException.Create(ErrorCode.ConnectionLoss, path, "no session");
                await zk.EnsurePathAsync(_options.Znodes.MasterCandidates, cancellationToken);
                try
                {
                    await zk.CreateAsync(path, null, CreateMode.Ephemeral, cancellationToken: cancellationToken);
                }
                catch (NodeExistsException)
                {
                }

                await Task.Delay(Timeout.Infinite, cancellationToken).WaitAsync(session.Lost);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is ZooKeeperException or OperationCanceledException or TimeoutException)
            {
                // The session was lost or ZooKeeper is away: a standby holds nothing, so it registers again once it can.
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            }
        }

        // Not awaited: with ZooKeeper away the delete would wait for it, and the node that just got the lock must claim
        // now (the claim itself rides out the outage). The node is ephemeral and goes with its session anyway.
        _ = RemoveCandidateNodeAsync(path);
    }

    private async Task RemoveCandidateNodeAsync(string path)
    {
        using var bound = new CancellationTokenSource(CandidateRemovalBound);
        try
        {
            ZooKeeperClient zk = await zooKeeper.GetAsync(bound.Token);
            await zk.DeleteAsync(path, cancellationToken: bound.Token);
        }
        catch (Exception ex) when (ex is ZooKeeperException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
        }
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Refusing to become master: {Reason}")]
    private static partial void LogForeignStore(ILogger logger, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Claim attempt {Attempt} failed, retrying in {DelayMs} ms while holding the lock: {Reason}")]
    private static partial void LogClaimRetry(ILogger logger, int attempt, double delayMs, string reason);
}
