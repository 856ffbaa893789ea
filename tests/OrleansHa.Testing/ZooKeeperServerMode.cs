namespace OrleansHa.Testing;

/// <summary>The <c>Mode:</c> a serving ZooKeeper server reports through the <c>srvr</c> four-letter word.</summary>
public enum ZooKeeperServerMode
{
    Standalone,
    Leader,
    Follower,
    Observer,
}
