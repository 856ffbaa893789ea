namespace OrleansHa.ZooKeeper.Internal;

/// <summary>
/// The client's one-shot watches by client path and kind. A watcher registered twice on the same path and kind
/// fires once. Watches outlive connections (they are re-sent with SetWatches) but not sessions.
/// </summary>
internal sealed class WatchManager
{
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _exist = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _child = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Add(WatchKind kind, string path, Action<WatchedEvent> watcher)
    {
        lock (_lock)
        {
            Dictionary<string, HashSet<Action<WatchedEvent>>> table = Table(kind);
            if (!table.TryGetValue(path, out HashSet<Action<WatchedEvent>>? set))
            {
                table[path] = set = [];
            }

            set.Add(watcher);
        }
    }

    /// <summary>Removes and returns the watchers an event of <paramref name="type"/> on <paramref name="path"/> triggers.</summary>
    public List<Action<WatchedEvent>> Take(WatchEventType type, string path)
    {
        var triggered = new List<Action<WatchedEvent>>();
        lock (_lock)
        {
            switch (type)
            {
                case WatchEventType.NodeCreated:
                case WatchEventType.NodeDataChanged:
                    Move(_data, path, triggered);
                    Move(_exist, path, triggered);
                    break;
                case WatchEventType.NodeDeleted:
                    Move(_data, path, triggered);
                    Move(_exist, path, triggered);
                    Move(_child, path, triggered);
                    break;
                case WatchEventType.NodeChildrenChanged:
                    Move(_child, path, triggered);
                    break;
                default:
                    break;
            }
        }

        return triggered.Distinct().ToList();
    }

    /// <summary>Removes every watch, returning each with its path (when a session ends).</summary>
    public List<(string Path, Action<WatchedEvent> Watcher)> TakeAll()
    {
        var all = new List<(string, Action<WatchedEvent>)>();
        lock (_lock)
        {
            foreach (Dictionary<string, HashSet<Action<WatchedEvent>>> table in new[] { _data, _exist, _child })
            {
                foreach ((string path, HashSet<Action<WatchedEvent>> set) in table)
                {
                    all.AddRange(set.Select(w => (path, w)));
                }

                table.Clear();
            }
        }

        return all.Distinct().ToList();
    }

    /// <summary>The paths with watches of each kind, to re-register after a reconnect.</summary>
    public (List<string> Data, List<string> Exist, List<string> Child) Snapshot()
    {
        lock (_lock)
        {
            return ([.. _data.Keys], [.. _exist.Keys], [.. _child.Keys]);
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _data.Values.Sum(s => s.Count) + _exist.Values.Sum(s => s.Count) + _child.Values.Sum(s => s.Count);
            }
        }
    }

    private static void Move(Dictionary<string, HashSet<Action<WatchedEvent>>> table, string path, List<Action<WatchedEvent>> into)
    {
        if (table.Remove(path, out HashSet<Action<WatchedEvent>>? set))
        {
            into.AddRange(set);
        }
    }

    private Dictionary<string, HashSet<Action<WatchedEvent>>> Table(WatchKind kind) => kind switch
    {
        WatchKind.Data => _data,
        WatchKind.Exist => _exist,
        _ => _child,
    };
}

/// <summary>A watch to add once its request's reply arrives, in the same step as the reply is read.</summary>
internal sealed record WatchRegistration(string ClientPath, Action<WatchedEvent> Watcher, bool IsExists, WatchKind KindOnSuccess)
{
    /// <summary>The kind to register for this reply code, or null when the reply sets no watch.</summary>
    public WatchKind? KindFor(ErrorCode err) => err switch
    {
        ErrorCode.Ok => KindOnSuccess,

        // An exists on a missing node still leaves a watch that fires on creation.
        ErrorCode.NoNode when IsExists => WatchKind.Exist,
        _ => null,
    };
}
