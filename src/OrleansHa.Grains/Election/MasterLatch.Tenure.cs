using Microsoft.Extensions.Logging;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Storage;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Election;

/// <summary>The tenure: keeping it while every ground stands, proving it to the heartbeat, and ending it.</summary>
internal sealed partial class MasterLatch
{
    /// <summary>
    /// For the node's heartbeat (ARCHITECTURE §4.8): null while this node's standing is sound, else why not. On the
    /// active master it proves every ground of the tenure, one of them a durable store transaction (which also records
    /// when this master was last alive, for the next one to measure the takeover by); elsewhere there is nothing to prove.
    /// </summary>
    public string? ProveStanding()
    {
        Tenure? tenure = _tenure;
        if (tenure is null)
        {
            return Standing == MasterStanding.Fenced ? "this node has fenced itself" : null;
        }

        if (DoubtAbout(tenure) is { } doubt)
        {
            return doubt;
        }

        try
        {
            tenure.Store.RecordAlive();
            return null;
        }
        catch (StaleEpochException ex)
        {
            Fence($"the store recorded a newer master: {ex.Message}");
            return ex.Message;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or ObjectDisposedException)
        {
            return $"the store in {_options.PathsDb} did not take the heartbeat's write: {ex.Message}";
        }
    }

    /// <summary>Watches every ground of the tenure until the node stops; fences at the first that gives way.</summary>
    private async Task KeepTenureAsync(Tenure tenure, CancellationToken stoppingToken)
    {
        bool seenOwnRecord = false;
        while (!stoppingToken.IsCancellationRequested && !tenure.IsEnded)
        {
            try
            {
                // Wake at the latest when the session may have expired, not up to a proof interval after: the standby
                // can take over only once this master has gone.
                TimeSpan wait = tenure.UntilSessionMayHaveExpired + TimeSpan.FromMilliseconds(1);
                await Task.Delay(wait < _options.LockProofInterval ? wait : _options.LockProofInterval, time, stoppingToken).WaitAsync(tenure.Session.Lost);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                // The session was lost: checked below.
            }

            MasterInfo? active = masters.Current;
            seenOwnRecord |= active?.Epoch == tenure.Epoch;
            string? doubt = DoubtAbout(tenure);
            if (doubt is null && active is not null && active.Epoch > tenure.Epoch)
            {
                doubt = $"master/active names a later epoch {active.Epoch} on {active.NodeName}";
            }
            else if (doubt is null && seenOwnRecord && active?.Epoch != tenure.Epoch)
            {
                doubt = "its master/active record was removed";
            }

            if (doubt is not null)
            {
                Fence(doubt);
                return;
            }
        }
    }

    /// <summary>The first ground of <paramref name="tenure"/> that no longer stands, or null.</summary>
    private string? DoubtAbout(Tenure tenure)
    {
        if (tenure.IsEnded)
        {
            return "the tenure has ended";
        }

        if (!tenure.SessionMayLive)
        {
            return $"its ZooKeeper session 0x{tenure.Session.Id:x} was lost (expired, or nothing heard for a whole session timeout of {tenure.Session.Timeout.TotalMilliseconds:0} ms)";
        }

        return tenure.Lock.IsStillHeld() ? null : $"it can no longer prove it holds the lock in {_options.PathsDb}";
    }

    /// <summary>A graceful end: stop writing, withdraw the record so a standby may go at once, then free the store and the lock.</summary>
    private async Task StepDownAsync(Tenure tenure, string reason)
    {
        lock (_gate)
        {
            tenure.End();
            _tenure = null;
        }

        try
        {
            ZooKeeperClient zk = await zooKeeper.GetAsync();
            if (await zk.ExistsAsync(_options.Znodes.MasterActive) is { } active && active.EphemeralOwner == tenure.Session.Id)
            {
                await zk.DeleteAsync(_options.Znodes.MasterActive, active.Version);
            }
        }
        catch (ZooKeeperException ex)
        {
            LogWithdrawFailed(logger, ex.Message);
        }

        LogTenureEnd(logger, tenure.Epoch, tenure.Info.NodeName, time.GetUtcNow(), reason);
        tenure.Release();
        Transition(MasterStanding.Closed, tenure.Epoch, reason);
    }

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Could not withdraw the master record: {Reason}")]
    private static partial void LogWithdrawFailed(ILogger logger, string reason);
}
