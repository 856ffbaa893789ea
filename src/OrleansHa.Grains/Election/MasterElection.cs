using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Storage;
using OrleansHa.ZooKeeper;
using OrleansHa.ZooKeeper.Recipes;
using ErrorCode = OrleansHa.ZooKeeper.ErrorCode;

namespace OrleansHa.Grains.Election;

/// <summary>
/// Master election on a master-eligible node (ARCHITECTURE §4): wait on the lock on the shared drive; holding it,
/// bump the epoch with a version-checked write and publish <c>master/active</c> in one multi; record the epoch in
/// the metadata store, which refuses a lower one; then keep proving the standing, and fence at the first doubt.
/// </summary>
public sealed partial class MasterElection(
    SharedZooKeeperClient zooKeeper,
    ActiveMasterWatcher watcher,
    ISelfFencing fencing,
    ILocalSiloDetails silo,
    IOptions<ElectionOptions> options,
    ILogger<MasterElection> logger) : BackgroundService
{
    // The takeover retries what a concurrent change or a lost reply spoiled; past this, something else is wrong.
    private const int TakeoverAttempts = 10;

    private readonly ElectionOptions _options = options.Value;
    private readonly MasterPaths _paths = new(options.Value.ClusterRoot);
    private volatile Tenure? _current;

    /// <summary>This node's tenure while it is the active master, else null.</summary>
    public Tenure? Current => _current;

    /// <summary>Completes once the election has started waiting on the lock (or at once on nodes that are not eligible).</summary>
    internal TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A node whose election broke may hold the lock: it must not linger and keep the cluster masterless.
            FenceNow($"the master election failed: {ex.Message}");
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!_options.MasterEligible)
        {
            Waiting.TrySetResult();
            return;
        }

        using var candidacy = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task candidate = KeepCandidateNodeAsync(candidacy.Token);
        Waiting.TrySetResult();
        MasterLock held = await MasterLock.AcquireAsync(_options.PathsDb, _options.NodeName, stoppingToken);
        Tenure? tenure;
        try
        {
            tenure = await TakeOverAsync(held, stoppingToken);
        }
        catch (ForeignStoreException ex)
        {
            LogForeignStore(logger, ex.Message);
            held.Dispose();
            return;
        }
        finally
        {
            await candidacy.CancelAsync();
            await candidate;
        }

        _current = tenure;
        LogTenureStart(logger, tenure.Epoch, tenure.Info.NodeName, tenure.Info.Since);
        await MonitorAsync(tenure, stoppingToken);
        if (!tenure.IsEnded)
        {
            // Fenced tenures are not stepped down: a fenced master writes nothing more, not even its farewell.
            await StepDownAsync(tenure, "the node is shutting down");
        }
    }

    private async Task<Tenure> TakeOverAsync(MasterLock held, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
            await zk.EnsurePathAsync(_paths.Root, cancellationToken);
            await zk.CreateIfMissingAsync(_paths.Epoch, MasterRecords.Serialize(new EpochRecord(0, null)), cancellationToken);
            NodeData epochNode = await zk.GetDataAsync(_paths.Epoch, cancellationToken: cancellationToken);
            EpochRecord last = MasterRecords.ReadEpoch(epochNode.Data, _paths.Epoch);
            MetadataStore store = OpenStore(last);
            var info = new MasterInfo(store.Epoch, _options.NodeName, silo.SiloAddress.ToParsableString(), _options.WebUrl, DateTimeOffset.UtcNow);
            ZooKeeperSession session = zk.Session ?? throw ZooKeeperException.Create(ErrorCode.ConnectionLoss, _paths.Active, "no session");
            List<Op> ops = [Op.SetData(_paths.Epoch, MasterRecords.Serialize(new EpochRecord(store.Epoch, store.StoreId)), epochNode.Stat.Version)];

            // Holding the lock proves the previous master's process is gone (the kernel frees it only then), so its
            // record may be removed now rather than after its session times out.
            if (await zk.ExistsAsync(_paths.Active, cancellationToken: cancellationToken) is { } stale)
            {
                ops.Add(Op.Delete(_paths.Active, stale.Version));
            }

            ops.Add(Op.Create(_paths.Active, MasterRecords.Serialize(info), CreateMode.Ephemeral));
            try
            {
                await ApplyTakeoverAsync(zk, ops, session, store.Epoch, cancellationToken);
                return new Tenure(info, held, store, zk, session);
            }
            catch (ZooKeeperException ex) when (attempt < TakeoverAttempts && ex is BadVersionException or NodeExistsException or NoNodeException or ConnectionLossException)
            {
                // The store keeps the epoch it recorded; the next attempt takes a higher one.
                store.Dispose();
                LogTakeoverRetry(logger, attempt, ex.Message);
            }
            catch
            {
                store.Dispose();
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

    /// <summary>The takeover multi; when its reply was lost, whether it applied is read back rather than guessed.</summary>
    private async Task ApplyTakeoverAsync(ZooKeeperClient zk, List<Op> ops, ZooKeeperSession session, long epoch, CancellationToken cancellationToken)
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
            NodeData active = await zk.GetDataAsync(_paths.Active, cancellationToken: cancellationToken);
            return active.Stat.EphemeralOwner == session.Id && MasterRecords.ReadMaster(active.Data, _paths.Active).Epoch == epoch;
        }
        catch (NoNodeException)
        {
            return false;
        }
    }

    /// <summary>Watches every ground of the tenure until the node stops; fences at the first that gives way.</summary>
    private async Task MonitorAsync(Tenure tenure, CancellationToken stoppingToken)
    {
        bool seenOwnRecord = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.LockProofInterval, stoppingToken).WaitAsync(tenure.Session.Lost);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                // The session was lost: checked below.
            }

            string? doubt = null;
            MasterInfo? active = watcher.Current;
            seenOwnRecord |= active?.Epoch == tenure.Epoch;
            if (tenure.Session.IsLost)
            {
                doubt = $"its ZooKeeper session 0x{tenure.Session.Id:x} was lost (expired, or unreachable for a whole session timeout)";
            }
            else if (!tenure.Lock.IsStillHeld())
            {
                doubt = $"it can no longer prove it holds the lock in {_options.PathsDb}";
            }
            else if (active is not null && active.Epoch > tenure.Epoch)
            {
                doubt = $"master/active names a later epoch {active.Epoch} on {active.NodeName}";
            }
            else if (seenOwnRecord && active?.Epoch != tenure.Epoch)
            {
                doubt = "its master/active record was removed";
            }

            if (doubt is not null)
            {
                FenceNow(doubt);
                return;
            }
        }
    }

    /// <summary>
    /// Ends this node at once: no more writes, the end of any tenure logged with the reason, then the process exits
    /// through <see cref="ISelfFencing"/>.
    /// </summary>
    internal void FenceNow(string reason)
    {
        Tenure? tenure = _current;
        _current = null;
        if (tenure is null)
        {
            fencing.Fence(reason);
            return;
        }

        tenure.End();
        LogTenureEnd(logger, tenure.Epoch, tenure.Info.NodeName, DateTimeOffset.UtcNow, "fenced: " + reason);
        fencing.Fence($"master of epoch {tenure.Epoch} lost its standing: {reason}");
    }

    /// <summary>A graceful end: stop writing, withdraw the record so a standby may go at once, then free the store and the lock.</summary>
    private async Task StepDownAsync(Tenure tenure, string reason)
    {
        tenure.End();
        _current = null;
        try
        {
            ZooKeeperClient zk = await zooKeeper.GetAsync();
            if (await zk.ExistsAsync(_paths.Active) is { } active && active.EphemeralOwner == tenure.Session.Id)
            {
                await zk.DeleteAsync(_paths.Active, active.Version);
            }
        }
        catch (ZooKeeperException ex)
        {
            LogWithdrawFailed(logger, ex.Message);
        }

        LogTenureEnd(logger, tenure.Epoch, tenure.Info.NodeName, DateTimeOffset.UtcNow, reason);
        tenure.Store.Dispose();
        tenure.Lock.Dispose();
    }

    /// <summary>Keeps <c>master/candidates/&lt;node&gt;</c> while this node waits, across session renewals.</summary>
    private async Task KeepCandidateNodeAsync(CancellationToken cancellationToken)
    {
        string path = _paths.Candidates + "/" + _options.NodeName;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
                ZooKeeperSession session = zk.Session ?? throw ZooKeeperException.Create(ErrorCode.ConnectionLoss, path, "no session");
                await zk.EnsurePathAsync(_paths.Candidates, cancellationToken);
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
            catch (Exception ex) when (ex is ZooKeeperException or OperationCanceledException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            }
        }

        try
        {
            ZooKeeperClient zk = await zooKeeper.GetAsync(CancellationToken.None);
            await zk.DeleteAsync(path, cancellationToken: CancellationToken.None);
        }
        catch (ZooKeeperException)
        {
            // Ephemeral: it goes with the session anyway.
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "TENURE START epoch={Epoch} node={Node} at={At:O}")]
    private static partial void LogTenureStart(ILogger logger, long epoch, string node, DateTimeOffset at);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "TENURE END epoch={Epoch} node={Node} at={At:O} reason={Reason}")]
    private static partial void LogTenureEnd(ILogger logger, long epoch, string node, DateTimeOffset at, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Refusing to become master: {Reason}")]
    private static partial void LogForeignStore(ILogger logger, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Takeover attempt {Attempt} failed, retrying: {Reason}")]
    private static partial void LogTakeoverRetry(ILogger logger, int attempt, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Could not withdraw the master record: {Reason}")]
    private static partial void LogWithdrawFailed(ILogger logger, string reason);
}
