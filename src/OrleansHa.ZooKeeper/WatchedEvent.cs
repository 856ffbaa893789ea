namespace OrleansHa.ZooKeeper;

/// <summary>What happened to a watched node (Watcher.Event.EventType).</summary>
public enum WatchEventType
{
    /// <summary>No node changed: the watch ended because the session did (see <see cref="WatchedEvent.State"/>).</summary>
    None = -1,
    NodeCreated = 1,
    NodeDeleted = 2,
    NodeDataChanged = 3,
    NodeChildrenChanged = 4,
}

/// <summary>The session state an event was delivered in (Watcher.Event.KeeperState).</summary>
public enum KeeperState
{
    Disconnected = 0,
    SyncConnected = 3,
    AuthFailed = 4,
    ConnectedReadOnly = 5,
    Closed = 7,
    Expired = -112,
}

/// <summary>
/// A one-shot watch firing. <see cref="Path"/> is the client's path (chroot removed). A watch whose session ended
/// before the node changed fires once with <see cref="WatchEventType.None"/> and state <see cref="KeeperState.Expired"/>
/// or <see cref="KeeperState.Closed"/>, so no one waits forever on a watch that can no longer fire.
/// </summary>
public sealed record WatchedEvent(WatchEventType Type, KeeperState State, string Path);

/// <summary>What watches are kept for: which notification types trigger them.</summary>
internal enum WatchKind
{
    Data,
    Exist,
    Child,
}
