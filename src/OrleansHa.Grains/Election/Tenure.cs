using OrleansHa.Abstractions;
using OrleansHa.Grains.Storage;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Election;

/// <summary>
/// One master's term, held by <see cref="MasterLatch"/> alone: the epoch it was given, the lock and store it holds, and
/// the ZooKeeper session its <c>master/active</c> record lives in. Writes are allowed only while all of them stand.
/// </summary>
internal sealed class Tenure
{
    private readonly ZooKeeperClient _zooKeeper;
    private volatile bool _ended;

    internal Tenure(MasterInfo info, MasterLock masterLock, MetadataStore store, ZooKeeperClient zooKeeper, ZooKeeperSession session, DateTimeOffset? previousMasterLastAlive)
    {
        Info = info;
        Lock = masterLock;
        Store = store;
        _zooKeeper = zooKeeper;
        Session = session;
        PreviousMasterLastAlive = previousMasterLastAlive;
    }

    public MasterInfo Info { get; }

    public long Epoch => Info.Epoch;

    /// <summary>When the master before this one last proved it was alive in the store, if it ever did.</summary>
    public DateTimeOffset? PreviousMasterLastAlive { get; }

    /// <summary>
    /// Whether the master may write now: the tenure has not ended, its session is connected (not merely possibly
    /// alive) and was heard from within the read timeout (2/3 of the session timeout), so a process that was
    /// stopped and has just woken refuses before its connection has even noticed. In doubt it refuses writes; it is
    /// fenced if the doubt lasts.
    /// </summary>
    public bool IsWritable =>
        !_ended
        && !Session.IsLost
        && _zooKeeper.Session == Session
        && _zooKeeper.State == ZooKeeperState.Connected
        && _zooKeeper.SinceLastHeard < Session.Timeout * 2 / 3;

    /// <summary>Whether ZooKeeper was heard from within the whole session timeout: past that the ensemble may have expired the session.</summary>
    public bool SessionMayLive => !Session.IsLost && _zooKeeper.Session == Session && _zooKeeper.SinceLastHeard < Session.Timeout;

    /// <summary>How long until, without news from ZooKeeper, the ensemble may have expired the session (zero once it may have).</summary>
    public TimeSpan UntilSessionMayHaveExpired
    {
        get
        {
            TimeSpan left = Session.Timeout - _zooKeeper.SinceLastHeard;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    public MasterLock Lock { get; }

    public MetadataStore Store { get; }

    public ZooKeeperSession Session { get; }

    /// <summary>Whether the tenure is over (stepped down or fenced).</summary>
    public bool IsEnded => _ended;

    public void End() => _ended = true;

    /// <summary>Closes the store, then frees the lock, in that order so a successor never opens a store still held.</summary>
    public void Release()
    {
        Store.Dispose();
        Lock.Dispose();
    }
}
