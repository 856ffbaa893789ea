using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper;

/// <summary>
/// Tells a grain client, about as soon as the cluster decides it, that a silo was declared dead in the ZooKeeper
/// membership table (or that its row is gone), so that a call waiting on that silo can be given up at once instead
/// of at Orleans' response timeout. A client has no membership view of its own and Orleans fails a call whose
/// gateway or target was killed only when the call times out.
/// </summary>
/// <remarks>
/// <para>One per process, shared by every <see cref="Watch"/>: it keeps one ZooKeeper watch on the
/// <c>membership</c> znode, whose version moves with every row change (see <see cref="ZooKeeperMembershipTable"/>).
/// When that watch fires, the rows of the watched silos, and only those, are read again; a silo newly watched is read
/// once when it is added. A silo no longer watched is remembered, as alive, until the table next changes, so that
/// query after query on the same silo reads nothing from ZooKeeper. Every
/// <see cref="ZooKeeperClusteringOptions.DeathWatchPollPeriod"/> while any silo is kept the table's version is read
/// too, a backstop should a notification be lost; it costs one small read when nothing changed. Nothing runs before
/// the first watch, and once nothing is watched only the znode watch stays.</para>
/// <para>A missing row is read again after a sync before it counts as gone, so a server that lags the leader cannot
/// report a live silo as vanished. While ZooKeeper cannot be reached nothing is reported, and calls end at the
/// response timeout as they would without this.</para>
/// </remarks>
public sealed partial class SiloDeathWatcher : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly SharedZooKeeperClient _zooKeeper;
    private readonly string _membershipPath;
    private readonly TimeSpan _pollPeriod;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<SiloAddress, WatchedSilo> _watched = [];

    // One delegate for the life of the watcher: the ZooKeeper client keeps a watcher once per path, so arming the
    // watch again on every round never stacks callbacks.
    private readonly Action<WatchedEvent> _onTableChanged;
    private TaskCompletionSource _wake = NewSignal();
    private TaskCompletionSource _gatewayLoss = NewSignal();
    private Task? _loop;
    private bool _disposed;
    private long _rowReads;

    internal SiloDeathWatcher(SharedZooKeeperClient zooKeeper, string membershipPath, TimeSpan pollPeriod, ILogger<SiloDeathWatcher> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pollPeriod, TimeSpan.Zero);
        _zooKeeper = zooKeeper;
        _membershipPath = membershipPath;
        _pollPeriod = pollPeriod;
        _logger = logger;
        _onTableChanged = _ => Wake();
    }

    /// <summary>
    /// Watches <paramref name="silo"/> until the returned watch is disposed: its <see cref="SiloDeathWatch.Dead"/>
    /// completes once the membership table says the silo is dead, or its row is gone. Watches of one silo share one
    /// reading; a silo that is already dead completes the watch as soon as its row is read.
    /// </summary>
    public SiloDeathWatch Watch(SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        WatchedSilo entry;
        bool added;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            added = !_watched.TryGetValue(silo, out WatchedSilo? existing);
            entry = existing ?? new WatchedSilo();
            if (added)
            {
                _watched[silo] = entry;
            }

            entry.Count++;
            _loop ??= Task.Run(() => RunAsync(_stopping.Token));
        }

        if (added)
        {
            Wake();
        }

        return new SiloDeathWatch(silo, entry.Dead.Task, () => Release(silo, entry));
    }

    /// <summary>
    /// Completes the next time a gateway leaves this client's list (out of its reach, dead or gone: see
    /// <see cref="ZooKeeperGatewayListProvider"/>). A call sent before its silo is known may be waiting at that
    /// gateway, where no answer can come before the response timeout; taken before such a call, this says when to
    /// stop waiting for it.
    /// </summary>
    public Task NextGatewayLoss => Volatile.Read(ref _gatewayLoss).Task;

    /// <summary>
    /// Silos whose gateway has just left this client's list: their watches complete as if the silo were dead (calls
    /// waiting there can get no answer), and <see cref="NextGatewayLoss"/> fires. A silo not watched now is forgotten,
    /// so that once it is back in the list it is watched afresh.
    /// </summary>
    internal void ReportGatewaysLost(IReadOnlyCollection<SiloAddress> silos)
    {
        var outOfReach = new List<SiloAddress>();
        lock (_lock)
        {
            foreach (SiloAddress silo in silos)
            {
                if (!_watched.TryGetValue(silo, out WatchedSilo? entry))
                {
                    continue;
                }

                if (entry.Count == 0)
                {
                    _watched.Remove(silo);
                }
                else if (entry.Dead.TrySetResult())
                {
                    outOfReach.Add(silo);
                }
            }
        }

        foreach (SiloAddress silo in outOfReach)
        {
            LogDeclaredDead(_logger, silo, "its gateway left this client's list");
        }

        Interlocked.Exchange(ref _gatewayLoss, NewSignal()).TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loop = _loop;
        }

        await _stopping.CancelAsync();
        if (loop is not null)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }

    /// <summary>How many silos are watched now (for tests).</summary>
    internal int WatchedCount
    {
        get
        {
            lock (_lock)
            {
                return _watched.Values.Count(w => w.Count > 0);
            }
        }
    }

    /// <summary>How many membership rows have been read (for tests).</summary>
    internal long RowReads => Interlocked.Read(ref _rowReads);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Wake() => Volatile.Read(ref _wake).TrySetResult();

    private void Release(SiloAddress silo, WatchedSilo entry)
    {
        lock (_lock)
        {
            // A live silo stays, idle, as read at the current table version; a dead one has nothing more to tell.
            if (--entry.Count == 0 && entry.Dead.Task.IsCompleted && _watched.TryGetValue(silo, out WatchedSilo? current) && current == entry)
            {
                _watched.Remove(silo);
            }
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        int? readAtVersion = null;
        TimeSpan retryDelay = FirstRetryDelay;
        while (!stopping.IsCancellationRequested)
        {
            // A fresh signal before reading: whatever is added or changed from here on wakes the wait below.
            var wake = NewSignal();
            Volatile.Write(ref _wake, wake);
            try
            {
                ZooKeeperClient zk = await _zooKeeper.GetAsync(stopping);
                Stat? table = await zk.ExistsAsync(_membershipPath, _onTableChanged, stopping);
                int version = table?.Version ?? -1;
                await ReadWatchedAsync(zk, readAll: version != readAtVersion, stopping);
                readAtVersion = version;
                retryDelay = FirstRetryDelay;
            }
            catch (ZooKeeperException ex) when (!stopping.IsCancellationRequested)
            {
                // Connection loss, a lost session (its watch fired too): read everything again once it is back.
                readAtVersion = null;
                LogReadFailed(_logger, _membershipPath, ex.Message);
                await Task.Delay(retryDelay, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, _pollPeriod.Ticks));
                continue;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            // Until the table changes or a silo is added; while any silo is kept, at most a poll period.
            Task woken = KeepsAny() ? wake.Task.WaitAsync(_pollPeriod, stopping) : wake.Task.WaitAsync(stopping);
            await woken.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Reads the rows of the watched silos not yet known dead: after a table change all of them (idle ones are
    /// forgotten instead, their reading being out of date), else only those never read.
    /// </summary>
    private async Task ReadWatchedAsync(ZooKeeperClient zk, bool readAll, CancellationToken stopping)
    {
        (SiloAddress Silo, WatchedSilo Entry)[] toRead;
        lock (_lock)
        {
            if (readAll)
            {
                foreach (SiloAddress idle in _watched.Where(w => w.Value.Count == 0).Select(w => w.Key).ToList())
                {
                    _watched.Remove(idle);
                }
            }

            toRead = [.. _watched.Where(w => !w.Value.Dead.Task.IsCompleted && (readAll || !w.Value.Read)).Select(w => (w.Key, w.Value))];
        }

        if (toRead.Length == 0)
        {
            return;
        }

        string?[] deaths = await Task.WhenAll(toRead.Select(w => ReadDeathAsync(zk, w.Silo, stopping)));
        lock (_lock)
        {
            foreach ((SiloAddress _, WatchedSilo entry) in toRead)
            {
                entry.Read = true;
            }
        }

        for (int i = 0; i < toRead.Length; i++)
        {
            (SiloAddress silo, WatchedSilo entry) = toRead[i];
            if (deaths[i] is { } how && entry.Dead.TrySetResult())
            {
                LogDeclaredDead(_logger, silo, how);
            }
        }
    }

    /// <summary>How the silo is dead ("declared Dead", "its row is gone"), or null while it is not.</summary>
    private async Task<string?> ReadDeathAsync(ZooKeeperClient zk, SiloAddress silo, CancellationToken stopping)
    {
        string path = ZooKeeperPath.Combine(_membershipPath, silo.ToParsableString());
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Interlocked.Increment(ref _rowReads);
                NodeData row = await zk.GetDataAsync(path, cancellationToken: stopping);
                return MembershipRowSerializer.Deserialize(row.Data, path).Status == SiloStatus.Dead ? "declared Dead" : null;
            }
            catch (NoNodeException) when (attempt == 1)
            {
                // Our server may lag the leader; only a row still missing after it caught up is gone.
                await zk.SyncAsync(_membershipPath, stopping);
            }
            catch (NoNodeException)
            {
                return "its membership row is gone";
            }
            catch (FormatException ex)
            {
                // Unreadable is not dead: the call keeps its response timeout.
                LogUnreadableRow(_logger, path, ex.Message);
                return null;
            }
        }
    }

    /// <summary>
    /// Whether any silo is kept, so the poll must go on. Idle silos are forgotten once nothing is watched: a client
    /// that stops querying stops polling within a poll period, while one that queries on does not read per query.
    /// </summary>
    private bool KeepsAny()
    {
        lock (_lock)
        {
            if (!_watched.Values.Any(w => w.Count > 0))
            {
                _watched.Clear();
            }

            return _watched.Count > 0;
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Silo {Silo} is lost to this client ({How}); calls waiting on it give up")]
    private static partial void LogDeclaredDead(ILogger logger, SiloAddress silo, string how);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Watching the membership table at {Path} failed, retrying: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "The membership row at {Path} is unreadable, so its silo is not reported dead: {Reason}")]
    private static partial void LogUnreadableRow(ILogger logger, string path, string reason);

    /// <summary>One silo: how many watch it (none: idle), and whether its row has been read since it was added.</summary>
    private sealed class WatchedSilo
    {
        public TaskCompletionSource Dead { get; } = NewSignal();

        public int Count { get; set; }

        public bool Read { get; set; }
    }
}

/// <summary>A watch on one silo from <see cref="SiloDeathWatcher.Watch"/>; dispose it when the call it guards is over.</summary>
public sealed class SiloDeathWatch : IDisposable
{
    private Action? _release;

    internal SiloDeathWatch(SiloAddress silo, Task dead, Action release)
    {
        Silo = silo;
        Dead = dead;
        _release = release;
    }

    public SiloAddress Silo { get; }

    /// <summary>Completes (never faults) once the silo is dead in the membership table or its row is gone.</summary>
    public Task Dead { get; }

    public bool IsDead => Dead.IsCompleted;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
