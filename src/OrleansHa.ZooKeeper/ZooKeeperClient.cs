using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OrleansHa.ZooKeeper.Internal;
using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper;

/// <summary>
/// A ZooKeeper client holding one session at a time across reconnects to any member of the ensemble.
/// </summary>
/// <remarks>
/// <para>
/// The session survives a broken connection: the client moves to another server with the same session id and
/// password while the session lives (<see cref="ZooKeeperState.Suspended"/> meanwhile). Requests in flight when a
/// connection broke fail with <see cref="ConnectionLossException"/> and are never re-sent; requests made while
/// suspended wait for the next connection.
/// </para>
/// <para>
/// The session is lost when the ensemble says it expired, or when the client has heard nothing for the whole session
/// timeout (the ensemble may have expired it by then, so anything that depended on it must stop). Then
/// <see cref="ZooKeeperSession.Lost"/> fires, queued requests fail with <see cref="SessionExpiredException"/>, every
/// watch fires once with <see cref="KeeperState.Expired"/>, and a new session is started
/// (<see cref="ZooKeeperClientOptions.RenewSessionAfterLoss"/>).
/// </para>
/// <para>Callbacks (watches, <see cref="StateChanged"/>) run in order on their own task, never on the I/O loop.</para>
/// </remarks>
public sealed partial class ZooKeeperClient : IAsyncDisposable, IConnectionOwner
{
    private readonly ZooKeeperClientOptions _options;
    private readonly ConnectionString _connectionString;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DnsEndPoint[] _hosts;
    private readonly Channel<PendingRequest> _queue = Channel.CreateUnbounded<PendingRequest>();
    private readonly WatchManager _watches = new();
    private readonly EventDispatcher _events;
    private readonly List<AuthPacket> _credentials = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private ZooKeeperState _state = ZooKeeperState.Connecting;
    private ZooKeeperSession? _session;
    private ZooKeeperConnection? _connection;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closeRequested;
    private PendingRequest<bool>? _closeSessionRequest;
    private Task? _closeTask;
    private long _lastZxid;
    private long _lastReceived;
    private Exception? _lastConnectError;
    private Task _runLoop = Task.CompletedTask;

    private ZooKeeperClient(ZooKeeperClientOptions options)
    {
        _options = options;
        _connectionString = OrleansHa.ZooKeeper.ConnectionString.Parse(options.ConnectionString);
        _logger = options.LoggerFactory.CreateLogger<ZooKeeperClient>();
        _time = options.TimeProvider;
        _events = new EventDispatcher(_logger);
        _lastReceived = _time.GetTimestamp();
        if (options.Identity is { } identity)
        {
            // Kept with any added later, so it is presented on the first connection and on every one after it.
            _credentials.Add(identity.ToAuthPacket());
        }

        // Shuffled once, then taken in turn, so that clients spread over the ensemble (StaticHostProvider).
        _hosts = [.. _connectionString.Hosts];
        Random.Shared.Shuffle(_hosts);
    }

    /// <summary>Raised, in order and off the I/O loop, whenever <see cref="State"/> changes.</summary>
    public event EventHandler<ZooKeeperStateChange>? StateChanged;

    public ZooKeeperState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>The current session; null while a new one is being made after a loss, or after close.</summary>
    public ZooKeeperSession? Session
    {
        get
        {
            lock (_lock)
            {
                return _session;
            }
        }
    }

    /// <summary>The current session's id, or 0.</summary>
    public long SessionId => Session?.Id ?? 0;

    /// <summary>The negotiated timeout of the current session, or the requested one when there is none.</summary>
    public TimeSpan SessionTimeout => Session?.Timeout ?? _options.SessionTimeout;

    /// <summary>The server this client is connected to now, or null.</summary>
    public DnsEndPoint? ConnectedServer
    {
        get
        {
            lock (_lock)
            {
                return _connection?.Server;
            }
        }
    }

    /// <summary>
    /// How long since anything arrived from the ensemble. A process that was stopped (SIGSTOP, a long GC pause) sees
    /// this large at once on waking, before its connection has noticed anything: leaders check it before acting.
    /// </summary>
    public TimeSpan SinceLastHeard => _time.GetElapsedTime(Interlocked.Read(ref _lastReceived));

    /// <summary>The parsed connection string, chroot included.</summary>
    public ConnectionString ConnectionString => _connectionString;

    /// <summary>The number of watches registered and not yet fired.</summary>
    public int WatchCount => _watches.Count;

    /// <summary>
    /// Connects and waits for the first session, for at most <see cref="ZooKeeperClientOptions.ConnectTimeout"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names each).</exception>
    /// <exception cref="ConnectionLossException">No server answered in time; the message names the connection string and the last error.</exception>
    public static async Task<ZooKeeperClient> ConnectAsync(ZooKeeperClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var client = new ZooKeeperClient(options);
        client._runLoop = Task.Run(client.RunAsync, CancellationToken.None);
        try
        {
            await client._connected.Task.WaitAsync(options.ConnectTimeout, options.TimeProvider, cancellationToken);
            return client;
        }
        catch (TimeoutException)
        {
            Exception? last = client._lastConnectError;
            await client.DisposeAsync();
            throw ZooKeeperException.Create(
                ErrorCode.ConnectionLoss,
                null,
                $"could not connect to '{options.ConnectionString}' within {options.ConnectTimeout.TotalSeconds:0.###} s" +
                (last is null ? string.Empty : $"; last error: {last.Message}"),
                last);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects with default options.</summary>
    public static Task<ZooKeeperClient> ConnectAsync(string connectionString, CancellationToken cancellationToken = default) =>
        ConnectAsync(new ZooKeeperClientOptions { ConnectionString = connectionString }, cancellationToken);

    /// <summary>Completes when the client is connected (at once if it is); fails with <see cref="ObjectDisposedException"/> once closed.</summary>
    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken = default)
    {
        Task connected;
        lock (_lock)
        {
            connected = _connected.Task;
        }

        return connected.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Ends the session: sends closeSession so the server deletes its ephemeral nodes at once, then closes the
    /// connection. Requests still queued fail; every watch fires once with <see cref="KeeperState.Closed"/>.
    /// </summary>
    public Task CloseAsync()
    {
        lock (_lock)
        {
            // Every caller waits for the same close; it runs outside the lock.
            return _closeTask ??= Task.Run(CloseCoreAsync);
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync();

    private async Task CloseCoreAsync()
    {
        ZooKeeperSession? session;
        bool connected;
        lock (_lock)
        {
            _closeRequested = true;
            session = _session;
            connected = _state == ZooKeeperState.Connected;
        }

        if (connected && session is not null)
        {
            var close = new PendingRequest<bool>(OpCode.CloseSession, null, RequestEncoder.Encode(OpCode.CloseSession, null, _options.MaxFrameSize, null), NoBody);
            _closeSessionRequest = close;
            _queue.Writer.TryWrite(close);

            // If the connection breaks first, the loop reconnects to send it, or stops if it was already in flight.
            await Task.WhenAny(close.Task, _runLoop).WaitAsync(Min(session.Timeout, TimeSpan.FromSeconds(5)), _time).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        await _stopping.CancelAsync();
        ZooKeeperConnection? current;
        lock (_lock)
        {
            current = _connection;
        }

        // Outside the lock: breaking a connection calls back into OnBroken, which takes it.
        current?.Abort(new ObjectDisposedException(nameof(ZooKeeperClient), "the client was closed"));

        await _runLoop;
        EndSession(ZooKeeperState.Closed, KeeperState.Closed, "the client was closed");
        if (session is not null)
        {
            Log.Closed(_logger, session.Id);
        }

        await _events.CompleteAsync();
        _stopping.Dispose();
    }

    internal static bool NoBody(ref JuteReader reader) => true;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <param name="next">The new state.</param>
    /// <param name="sessionId">The session it concerns.</param>
    /// <param name="onlyWhileCurrent">When given, the change is made only while this is still the current connection,
    /// so a connection that broke meanwhile cannot be reported as connected.</param>
    private void SetState(ZooKeeperState next, long sessionId, ZooKeeperConnection? onlyWhileCurrent = null)
    {
        ZooKeeperState previous;
        lock (_lock)
        {
            previous = _state;
            if (previous == next || previous == ZooKeeperState.Closed || (onlyWhileCurrent is not null && _connection != onlyWhileCurrent))
            {
                return;
            }

            _state = next;
            if (next == ZooKeeperState.Connected)
            {
                _connected.TrySetResult();
            }
            else if (previous == ZooKeeperState.Connected)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        RaiseStateChanged(new ZooKeeperStateChange(previous, next, sessionId));
    }

    /// <summary>
    /// Ends the current session (lost or closed): fails what is queued, fires every watch once and cancels the
    /// session's token. After a loss the run loop makes a new session; after close it has stopped.
    /// </summary>
    private void EndSession(ZooKeeperState next, KeeperState watchState, string reason)
    {
        ZooKeeperSession? session;
        ZooKeeperState previous;
        var dropped = new List<PendingRequest>();
        lock (_lock)
        {
            session = _session;
            previous = _state;
            if (previous == ZooKeeperState.Closed)
            {
                return;
            }

            _session = null;
            _state = next;
            while (_queue.Reader.TryRead(out PendingRequest? request))
            {
                dropped.Add(request);
            }

            if (next == ZooKeeperState.Closed)
            {
                _connected.TrySetException(new ObjectDisposedException(nameof(ZooKeeperClient), reason));
                _connected.Task.Exception?.Handle(_ => true);
            }
            else if (previous == ZooKeeperState.Connected)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        session?.MarkLost();
        foreach (PendingRequest request in dropped)
        {
            request.Fail(next == ZooKeeperState.Closed
                ? new ObjectDisposedException(nameof(ZooKeeperClient), $"the request was not sent: {reason}")
                : ZooKeeperException.Create(ErrorCode.SessionExpired, request.ClientPath, $"the request was not sent: {reason}"));
        }

        foreach ((string path, Action<WatchedEvent> watcher) in _watches.TakeAll())
        {
            var ended = new WatchedEvent(WatchEventType.None, watchState, path);
            _events.Post(() => watcher(ended));
        }

        if (previous != next)
        {
            RaiseStateChanged(new ZooKeeperStateChange(previous, next, session?.Id ?? 0));
        }
    }

    /// <summary>Queues the event for the handlers subscribed now: one who subscribes later never hears of an earlier change.</summary>
    private void RaiseStateChanged(ZooKeeperStateChange change)
    {
        EventHandler<ZooKeeperStateChange>? handlers = StateChanged;
        if (handlers is not null)
        {
            _events.Post(() => handlers(this, change));
        }
    }

    void IConnectionOwner.OnReceived(long zxid)
    {
        _lastReceived = _time.GetTimestamp();
        long seen = Interlocked.Read(ref _lastZxid);
        while (zxid > seen)
        {
            long found = Interlocked.CompareExchange(ref _lastZxid, zxid, seen);
            if (found == seen)
            {
                break;
            }

            seen = found;
        }
    }

    void IConnectionOwner.OnNotification(WatcherEvent notification)
    {
        string path = _connectionString.ToClientPath(notification.Path);
        var fired = new WatchedEvent(notification.Type, KeeperState.SyncConnected, path);
        foreach (Action<WatchedEvent> watcher in _watches.Take(notification.Type, path))
        {
            _events.Post(() => watcher(fired));
        }
    }

    void IConnectionOwner.OnBroken(ZooKeeperConnection connection)
    {
        long sessionId;
        lock (_lock)
        {
            if (_connection != connection)
            {
                return;
            }

            _connection = null;
            sessionId = _session?.Id ?? 0;
            if (_closeRequested)
            {
                return;
            }
        }

        SetState(ZooKeeperState.Suspended, sessionId);
    }

    void IConnectionOwner.OnWatchReply(WatchRegistration watch, ErrorCode err)
    {
        if (watch.KindFor(err) is { } kind)
        {
            _watches.Add(kind, watch.ClientPath, watch.Watcher);
        }
    }
}
