using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper.Internal;

/// <summary>What a connection reports to the session that owns it.</summary>
internal interface IConnectionOwner
{
    /// <summary>A reply or notification arrived: the server is alive. Zxids greater than 0 are kept.</summary>
    void OnReceived(long zxid);

    /// <summary>A watch notification (xid -1), in arrival order, on the reader loop.</summary>
    void OnNotification(WatcherEvent notification);

    /// <summary>A reply to a request that carried a watch, just before the request completes.</summary>
    void OnWatchReply(WatchRegistration watch, ErrorCode err);

    /// <summary>
    /// The connection is breaking: called once, before the requests in flight are failed, so that no caller who
    /// sees a connection loss can still find the client reporting itself connected.
    /// </summary>
    void OnBroken(ZooKeeperConnection connection);
}

/// <summary>
/// One TCP connection to one server with one session: a reader loop, a writer loop and a heartbeat. Any I/O error,
/// malformed frame, out-of-order reply or read timeout tears the socket down and fails every request in flight with
/// connection loss; a broken connection is never reused.
/// </summary>
internal sealed class ZooKeeperConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly IConnectionOwner _owner;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _maxFrameSize;
    private readonly TimeSpan _readTimeout;
    private readonly TimeSpan _pingInterval;
    private readonly ConcurrentQueue<PendingRequest> _inFlight = new();

    // Auth replies are answered from the server's I/O thread and may overtake other replies, so they are matched
    // among themselves, apart from the ordered queue.
    private readonly ConcurrentQueue<PendingRequest> _authInFlight = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastReceived;
    private long _lastSent;
    private int _nextXid;

    private ZooKeeperConnection(Socket socket, DnsEndPoint server, IConnectionOwner owner, ILogger logger, TimeProvider time, int maxFrameSize, TimeSpan sessionTimeout)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Server = server;
        _owner = owner;
        _logger = logger;
        _time = time;
        _maxFrameSize = maxFrameSize;

        // The Java client's timers: declare the server dead after 2/3 of the session timeout without a byte from
        // it, and ping when we have been quiet for half of that, so a live server is never mistaken for a dead one.
        _readTimeout = sessionTimeout * 2 / 3;
        _pingInterval = _readTimeout / 2;
        _lastReceived = _lastSent = time.GetTimestamp();
    }

    public DnsEndPoint Server { get; }

    /// <summary>Whether any frame arrived after the handshake: the connection was of use, not dropped at once.</summary>
    public bool HasReceivedReply { get; private set; }

    /// <summary>Completes with the reason once the connection has closed and every request in flight has failed.</summary>
    public Task<Exception> Closed => _closed.Task;

    /// <summary>
    /// Opens a socket to <paramref name="server"/> and performs the handshake. Nothing else is written until the
    /// server answers: an expired session is answered and closed at once, and a concurrent write could turn that
    /// answer into a reset.
    /// </summary>
    /// <returns>The connection, or null with the response when the server says the session is expired.</returns>
    public static async Task<(ZooKeeperConnection? Connection, ConnectResponse Response)> OpenAsync(
        DnsEndPoint server,
        ConnectRequest request,
        IConnectionOwner owner,
        ILogger logger,
        TimeProvider time,
        int maxFrameSize,
        TimeSpan attemptTimeout,
        CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(attemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, linked.Token);
            await socket.SendAsync(RequestEncoder.EncodeConnect(request), SocketFlags.None, linked.Token);
            byte[] frame = await ReadHandshakeFrameAsync(socket, maxFrameSize, linked.Token);
            var reader = new JuteReader(frame);
            ConnectResponse response = ConnectResponse.Read(ref reader);
            reader.EnsureConsumed("the connect response");
            if (response.TimeoutMs <= 0)
            {
                socket.Dispose();
                return (null, response);
            }

            var connection = new ZooKeeperConnection(socket, server, owner, logger, time, maxFrameSize, TimeSpan.FromMilliseconds(response.TimeoutMs));
            return (connection, response);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no handshake from {server.Host}:{server.Port} within {attemptTimeout.TotalMilliseconds:0} ms");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes frames that must precede every queued request (auth, SetWatches), then starts the loops.
    /// <paramref name="first"/> requests with replies join the in-flight queue in order.
    /// </summary>
    public async Task StartAsync(IReadOnlyList<PendingRequest> first, ChannelReader<PendingRequest> queue)
    {
        await _writeLock.WaitAsync(_stop.Token);
        try
        {
            var batch = new ArrayBufferWriter<byte>(1024);
            foreach (PendingRequest request in first)
            {
                Stamp(request, batch);
            }

            if (batch.WrittenCount > 0)
            {
                await _stream.WriteAsync(batch.WrittenMemory, _stop.Token);
            }
        }
        finally
        {
            _writeLock.Release();
        }

        _ = Task.Run(() => GuardAsync("reading from", ReadLoopAsync));
        _ = Task.Run(() => GuardAsync("writing to", () => WriteLoopAsync(queue)));
        _ = Task.Run(() => GuardAsync("pinging", HeartbeatLoopAsync));
    }

    /// <summary>Tears the connection down (idempotent).</summary>
    public void Abort(Exception reason)
    {
        if (!_closed.TrySetResult(reason))
        {
            return;
        }

        _stop.Cancel();
        _socket.Dispose();
        _owner.OnBroken(this);
        FailInFlight();
    }

    public async ValueTask DisposeAsync()
    {
        Abort(new ObjectDisposedException(nameof(ZooKeeperConnection), "the connection was closed"));
        await _stream.DisposeAsync();
        _stop.Dispose();
        _writeLock.Dispose();
    }

    /// <summary>Fails what is in flight; called again by the writer after an abort, for a request it was stamping meanwhile.</summary>
    private void FailInFlight()
    {
        if (!_closed.Task.IsCompleted)
        {
            return;
        }

        Exception reason = _closed.Task.Result;
        foreach (ConcurrentQueue<PendingRequest> queue in new[] { _inFlight, _authInFlight })
        {
            while (queue.TryDequeue(out PendingRequest? request))
            {
                request.Fail(ZooKeeperException.Create(
                    ErrorCode.ConnectionLoss,
                    request.ClientPath,
                    $"the connection to {Server.Host}:{Server.Port} broke while the request was in flight ({reason.Message}); it may or may not have been applied",
                    reason));
            }
        }
    }

    private static async Task<byte[]> ReadHandshakeFrameAsync(Socket socket, int maxFrameSize, CancellationToken cancellationToken)
    {
        byte[] lengthBytes = new byte[4];
        await ReceiveExactlyAsync(socket, lengthBytes, cancellationToken);
        int length = BinaryPrimitives.ReadInt32BigEndian(lengthBytes);
        CheckFrameLength(length, maxFrameSize);
        byte[] frame = new byte[length];
        await ReceiveExactlyAsync(socket, frame, cancellationToken);
        return frame;
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("the server closed the connection during the handshake");
            }

            buffer = buffer[read..];
        }
    }

    private static void CheckFrameLength(int length, int maxFrameSize)
    {
        if (length < 0 || length > maxFrameSize)
        {
            throw new ZooKeeperProtocolException(
                $"the server sent a frame of {length} bytes; frames must be 0 to {maxFrameSize} bytes ({nameof(ZooKeeperClientOptions.MaxFrameSize)})");
        }
    }

    private void Stamp(PendingRequest request, ArrayBufferWriter<byte> batch)
    {
        Span<byte> target = batch.GetSpan(request.Frame.Length);
        request.Frame.CopyTo(target);
        if (request.Op == OpCode.Auth)
        {
            request.Xid = Xids.Auth;
            _authInFlight.Enqueue(request);
        }
        else
        {
            _nextXid = _nextXid == int.MaxValue ? 1 : _nextXid + 1;
            request.Xid = _nextXid;
            BinaryPrimitives.WriteInt32BigEndian(target[RequestEncoder.XidOffset..], request.Xid);
            _inFlight.Enqueue(request);
        }

        batch.Advance(request.Frame.Length);
    }

    /// <summary>
    /// Runs one of the connection's loops. However it ends, the connection ends with it: an abort elsewhere is
    /// quiet, anything the socket or the server did wrong aborts with a reason, and whatever was stamped in flight
    /// meanwhile is failed.
    /// </summary>
    private async Task GuardAsync(string activity, Func<Task> loop)
    {
        try
        {
            await loop();
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && _stop.IsCancellationRequested)
        {
            // Aborted elsewhere; that path gave the reason.
        }
        catch (EndOfStreamException)
        {
            Abort(new IOException($"{Server.Host}:{Server.Port} closed the connection"));
        }
        catch (ZooKeeperProtocolException ex)
        {
            Log.ProtocolViolation(_logger, Server.Host, Server.Port, ex.Message);
            Abort(ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            Abort(new IOException($"{activity} {Server.Host}:{Server.Port} failed: {ex.Message}", ex));
        }
        finally
        {
            FailInFlight();
        }
    }

    private async Task WriteLoopAsync(ChannelReader<PendingRequest> queue)
    {
        var batch = new ArrayBufferWriter<byte>(4096);
        while (await queue.WaitToReadAsync(_stop.Token))
        {
            await _writeLock.WaitAsync(_stop.Token);
            try
            {
                batch.ResetWrittenCount();

                // Take what is queued, up to a bound, and write it with one call: pipelined requests share packets.
                while (batch.WrittenCount < 64 * 1024 && !_stop.IsCancellationRequested && queue.TryRead(out PendingRequest? request))
                {
                    if (request.IsCompleted)
                    {
                        continue; // cancelled by its caller before it was sent
                    }

                    Stamp(request, batch);
                }

                if (batch.WrittenCount > 0)
                {
                    await _stream.WriteAsync(batch.WrittenMemory, _stop.Token);
                    _lastSent = _time.GetTimestamp();
                }
            }
            finally
            {
                _writeLock.Release();
            }
        }
    }
    private async Task ReadLoopAsync()
    {
        byte[] lengthBytes = new byte[4];
        byte[] buffer = new byte[64 * 1024];
        var input = new BufferedStream(_stream, 64 * 1024);
        while (true)
        {
            await input.ReadExactlyAsync(lengthBytes, _stop.Token);
            int length = BinaryPrimitives.ReadInt32BigEndian(lengthBytes);
            CheckFrameLength(length, _maxFrameSize);
            if (length > buffer.Length)
            {
                buffer = new byte[Math.Max(length, buffer.Length * 2)];
            }

            await input.ReadExactlyAsync(buffer.AsMemory(0, length), _stop.Token);
            _lastReceived = _time.GetTimestamp();
            HasReceivedReply = true;
            Dispatch(buffer.AsSpan(0, length));
        }
    }

    private void Dispatch(ReadOnlySpan<byte> frame)
    {
        var reader = new JuteReader(frame);
        ReplyHeader header = ReplyHeader.Read(ref reader);
        ReadOnlySpan<byte> body = frame[reader.Position..];
        _owner.OnReceived(header.Zxid);
        switch (header.Xid)
        {
            case Xids.Notification:
                WatcherEvent notification = WatcherEvent.Read(ref reader);
                reader.EnsureConsumed("a watch notification");
                _owner.OnNotification(notification);
                return;
            case Xids.Ping:
                return;
            case Xids.Auth:
                if (_authInFlight.TryDequeue(out PendingRequest? auth))
                {
                    auth.Complete(header, body);
                }

                return;
        }

        if (!_inFlight.TryDequeue(out PendingRequest? request))
        {
            throw new ZooKeeperProtocolException($"the server answered xid {header.Xid} but no request is in flight");
        }

        if (request.Xid != header.Xid)
        {
            // Replies come in request order; anything else means we can no longer tell which reply is whose.
            request.Fail(ZooKeeperException.Create(ErrorCode.ConnectionLoss, request.ClientPath, $"reply xid {header.Xid} out of order"));
            throw new ZooKeeperProtocolException($"reply xid {header.Xid} out of order: the oldest request in flight has xid {request.Xid}");
        }

        if (request.Watch is { } watch)
        {
            _owner.OnWatchReply(watch, header.Err);
        }

        try
        {
            request.Complete(header, body);
        }
        catch (ZooKeeperProtocolException ex)
        {
            var malformed = new ZooKeeperProtocolException($"the reply to {request.Op} (xid {request.Xid}) is malformed: {ex.Message}", ex);
            request.Fail(ZooKeeperException.Create(ErrorCode.ConnectionLoss, request.ClientPath, malformed.Message, malformed));
            throw malformed;
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        TimeSpan tick = TimeSpan.FromMilliseconds(Math.Max(10, _pingInterval.TotalMilliseconds / 4));
        byte[] ping = RequestEncoder.Encode(OpCode.Ping, null, _maxFrameSize, null, Xids.Ping);
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(tick, _time, _stop.Token);
            TimeSpan silent = _time.GetElapsedTime(_lastReceived);
            if (silent >= _readTimeout)
            {
                Abort(new TimeoutException($"nothing received from {Server.Host}:{Server.Port} for {silent.TotalMilliseconds:0} ms (read timeout {_readTimeout.TotalMilliseconds:0} ms)"));
                return;
            }

            if (_time.GetElapsedTime(_lastSent) >= _pingInterval && _writeLock.Wait(0))
            {
                try
                {
                    await _stream.WriteAsync(ping, _stop.Token);
                    _lastSent = _time.GetTimestamp();
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
    }
}
