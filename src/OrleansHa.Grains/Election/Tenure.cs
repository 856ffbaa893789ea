using OrleansHa.Abstractions;
using OrleansHa.Grains.Storage;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Election;

/// <summary>
/// One master's term: the epoch it was given, the lock and store it holds, and the ZooKeeper session its
/// <c>master/active</c> record lives in. Writes are allowed only while all of them still stand.
/// </summary>
public sealed class Tenure
{
    private readonly ZooKeeperClient _zooKeeper;
    private volatile bool _ended;

    internal Tenure(MasterInfo info, MasterLock masterLock, MetadataStore store, ZooKeeperClient zooKeeper, ZooKeeperSession session)
    {
        Info = info;
        Lock = masterLock;
        Store = store;
        _zooKeeper = zooKeeper;
        Session = session;
    }

    public MasterInfo Info { get; }

    public long Epoch => Info.Epoch;

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

    internal MasterLock Lock { get; }

    internal MetadataStore Store { get; }

    internal ZooKeeperSession Session { get; }

    /// <summary>Whether the tenure is over (stepped down or fenced).</summary>
    public bool IsEnded => _ended;

    internal void End() => _ended = true;
}
