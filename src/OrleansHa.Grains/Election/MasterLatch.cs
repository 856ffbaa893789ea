using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Coordination;
using OrleansHa.Grains.Storage;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Election;

/// <summary>Where a node stands in the master election (<see cref="MasterLatch"/>).</summary>
public enum MasterStanding
{
    /// <summary>Not started yet.</summary>
    Latent,

    /// <summary>Not master-eligible (<c>services.coordinator.master.enabled=false</c>): it never stands.</summary>
    Ineligible,

    /// <summary>A standby: registered as a candidate, blocked on the lock on the shared drive.</summary>
    Waiting,

    /// <summary>Holds the lock; taking the next epoch and publishing <c>master/active</c> (retried while ZooKeeper is away).</summary>
    Claiming,

    /// <summary>The active master: holds the lock, the epoch, the store and a live session.</summary>
    Active,

    /// <summary>Lost its standing; the process is ending and writes nothing more.</summary>
    Fenced,

    /// <summary>Stood down (the node is stopping) or refused to stand (a foreign store); holds nothing.</summary>
    Closed,
}

/// <summary>One change of standing, with its cause; <see cref="Epoch"/> is 0 when no epoch is involved.</summary>
public sealed record MasterTransition(MasterStanding From, MasterStanding To, long Epoch, string Node, string Cause, DateTimeOffset At);

/// <summary>
/// The one owner of this node's standing as master (ARCHITECTURE §4), as a small state machine in the manner of
/// Curator's LeaderLatch: Waiting (a standby on the lock) → Claiming (lock held; epoch and record being published)
/// → Active (the tenure) → Fenced or Closed. It alone holds the lock on <c>paths.db/master.lock</c>, the epoch, the
/// ZooKeeper session the tenure lives in and the metadata store; everything that acts as master goes through
/// <see cref="Act{T}"/>, and placement, the grain directory and the node's heartbeat ask it. Every transition is one
/// log line with its cause.
/// </summary>
/// <remarks>
/// <para>Only a master fences itself. A standby holds nothing: when its session is lost it keeps waiting on the lock
/// with the next session, and a node that got the lock while ZooKeeper is away keeps claiming until ZooKeeper is
/// back, because no other node can become master while it holds the lock.</para>
/// <para>The active master fences (the process exits through <see cref="ISelfFencing"/>, writing nothing more) when
/// its session is lost, when it can no longer prove it holds the lock, when <c>master/active</c> names another epoch
/// or was removed, when the store records a newer epoch, or when Orleans declares its silo dead.</para>
/// </remarks>
internal sealed partial class MasterLatch(
    SharedZooKeeperClient zooKeeper,
    ActiveMasterFollower masters,
    ISelfFencing fencing,
    ILocalSiloDetails silo,
    IOptions<ElectionOptions> options,
    TimeProvider time,
    ILogger<MasterLatch> logger) : BackgroundService
{
    private readonly ElectionOptions _options = options.Value;
    private readonly Lock _gate = new();
    private MasterStanding _standing = MasterStanding.Latent;
    private volatile Tenure? _tenure;

    /// <summary>Where this node stands now.</summary>
    public MasterStanding Standing
    {
        get
        {
            lock (_gate)
            {
                return _standing;
            }
        }
    }

    /// <summary>The epoch of this node's tenure while it is the active master, else null.</summary>
    public long? ActiveEpoch => _tenure?.Epoch;

    /// <summary>This node's master record while it is the active master, else null.</summary>
    public MasterInfo? ActiveInfo => _tenure?.Info;

    /// <summary>Raised after every change of standing (on the thread that made it).</summary>
    public event Action<MasterTransition>? Transitioned;

    /// <summary>Completes once the latch has started waiting on the lock (or at once on nodes that are not eligible).</summary>
    internal TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Runs <paramref name="action"/> against the store as the master of <paramref name="epoch"/>, only while that
    /// tenure stands and may write (ARCHITECTURE §4.5): the guard every act of the master passes.
    /// </summary>
    /// <exception cref="NoActiveMasterException">This node is not the master of <paramref name="epoch"/>, its standing is
    /// in doubt (the ZooKeeper connection is down or silent), or the store recorded a newer master (then this node fences).</exception>
    public T Act<T>(long epoch, Func<MetadataStore, T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Tenure tenure = TenureOf(epoch);
        if (!tenure.IsWritable)
        {
            throw new NoActiveMasterException($"The master of epoch {tenure.Epoch} is in doubt (its ZooKeeper connection is down); retry shortly.");
        }

        try
        {
            return action(tenure.Store);
        }
        catch (StaleEpochException ex)
        {
            Fence($"the store recorded a newer master: {ex.Message}");
            throw new NoActiveMasterException($"The master of epoch {tenure.Epoch} has been superseded: {ex.Message}");
        }
    }

    /// <summary>Whether this node is the active master of <paramref name="epoch"/> now (placement and activation ask this).</summary>
    public bool Holds(long epoch) => _tenure is { IsEnded: false } tenure && tenure.Epoch == epoch;

    /// <exception cref="NoActiveMasterException">This node does not hold <paramref name="epoch"/>.</exception>
    internal Tenure TenureOf(long epoch)
    {
        Tenure? tenure = _tenure;
        if (tenure is null || tenure.IsEnded || tenure.Epoch != epoch)
        {
            throw new NoActiveMasterException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"This silo does not hold epoch {epoch} (it holds {(tenure is { IsEnded: false } ? tenure.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}); read the active master again."));
        }

        return tenure;
    }

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
            // A latch that broke may hold the lock: it must not linger and keep the cluster masterless.
            Fence($"the master election failed: {ex.Message}");
        }
        finally
        {
            Waiting.TrySetResult();
        }
    }

    /// <summary>
    /// Ends this node's standing at once: no more writes, the end of any tenure logged with the reason, then the process
    /// exits through <see cref="ISelfFencing"/>. Safe to call from any thread, any number of times.
    /// </summary>
    public void Fence(string reason)
    {
        Tenure? tenure;
        MasterStanding from;
        lock (_gate)
        {
            if (_standing == MasterStanding.Fenced)
            {
                return;
            }

            from = _standing;
            _standing = MasterStanding.Fenced;
            tenure = _tenure;
            _tenure = null;
            tenure?.End();
        }

        if (tenure is not null)
        {
            LogTenureEnd(logger, tenure.Epoch, tenure.Info.NodeName, time.GetUtcNow(), "fenced: " + reason);
        }

        Announce(from, MasterStanding.Fenced, tenure?.Epoch ?? 0, reason);
        fencing.Fence(tenure is null ? reason : $"master of epoch {tenure.Epoch} lost its standing: {reason}");

        // Reached only where fencing does not end the process (in-process tests): let go as an exit would.
        tenure?.Release();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!_options.MasterEligible)
        {
            Transition(MasterStanding.Ineligible, 0, "services.coordinator.master.enabled is false");
            return;
        }

        Tenure? tenure = await StandAsync(stoppingToken);
        if (tenure is null)
        {
            return;
        }

        await KeepTenureAsync(tenure, stoppingToken);
        if (!tenure.IsEnded)
        {
            // Fenced tenures are not stepped down: a fenced master writes nothing more, not even its farewell.
            await StepDownAsync(tenure, "the node is shutting down");
        }
    }

    /// <summary>Moves to <paramref name="to"/> and logs the edge with its cause; false (and nothing done) once fenced, which is final.</summary>
    private bool Transition(MasterStanding to, long epoch, string cause)
    {
        MasterStanding from;
        lock (_gate)
        {
            from = _standing;
            if (from == MasterStanding.Fenced)
            {
                return false;
            }

            _standing = to;
        }

        Announce(from, to, epoch, cause);
        return true;
    }

    private void Announce(MasterStanding from, MasterStanding to, long epoch, string cause)
    {
        LogTransition(logger, from, to, epoch, _options.NodeName, cause);
        Transitioned?.Invoke(new MasterTransition(from, to, epoch, _options.NodeName, cause, time.GetUtcNow()));
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Warning, Message = "MASTER {From} -> {To} epoch={Epoch} node={Node} cause={Cause}")]
    private static partial void LogTransition(ILogger logger, MasterStanding from, MasterStanding to, long epoch, string node, string cause);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "TENURE START epoch={Epoch} node={Node} at={At:O}")]
    private static partial void LogTenureStart(ILogger logger, long epoch, string node, DateTimeOffset at);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "TENURE END epoch={Epoch} node={Node} at={At:O} reason={Reason}")]
    private static partial void LogTenureEnd(ILogger logger, long epoch, string node, DateTimeOffset at, string reason);
}
