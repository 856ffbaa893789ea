using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper.Tests;

/// <summary>
/// A scripted stand-in for a ZooKeeper server, for the few tests that need a server to misbehave in ways a real one
/// cannot (malformed frames, wrong xids, silence). It listens on 127.0.0.1 on a free port, reads each connection's
/// connect request, then hands the connection to the test's script.
/// </summary>
internal sealed class FakeZooKeeperServer : IAsyncDisposable
{
    public const long SessionId = 0x1234;
    public const int NegotiatedTimeoutMs = 4000;

    private readonly TcpListener _listener;
    private readonly Func<FakeServerConnection, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<FakeServerConnection> _connections = [];
    private readonly List<TaskCompletionSource<FakeServerConnection>> _arrivals = [];
    private readonly List<Task> _tasks = [];
    private readonly Task _acceptLoop;
    private int _accepted;

    private FakeZooKeeperServer(Func<FakeServerConnection, Task> script)
    {
        _script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public static byte[] Password { get; } = [.. Enumerable.Range(0xA0, ConnectRequest.PasswordLength).Select(i => (byte)i)];

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>TCP connections accepted so far, handshake read or not.</summary>
    public int AcceptedCount => Volatile.Read(ref _accepted);

    public IReadOnlyList<FakeServerConnection> Connections
    {
        get
        {
            lock (_lock)
            {
                return [.. _connections];
            }
        }
    }

    /// <summary>Starts a server that runs <paramref name="script"/> for each connection once its connect request is read.</summary>
    public static FakeZooKeeperServer Start(Func<FakeServerConnection, Task> script) => new(script);

    /// <summary>Completes when the <paramref name="index"/>-th connection (from 0) has sent its connect request.</summary>
    public Task<FakeServerConnection> ConnectionAsync(int index)
    {
        lock (_lock)
        {
            return Arrival(index).Task;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_lock)
        {
            foreach (FakeServerConnection connection in _connections)
            {
                connection.Close();
            }

            tasks = [_acceptLoop, .. _tasks];
        }

        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is not TimeoutException)
        {
            // Scripts end with whatever the client's disconnect caused; only a hang matters here.
        }

        _stop.Dispose();
    }

    private TaskCompletionSource<FakeServerConnection> Arrival(int index)
    {
        while (_arrivals.Count <= index)
        {
            _arrivals.Add(new TaskCompletionSource<FakeServerConnection>(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        return _arrivals[index];
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket = await _listener.AcceptSocketAsync(_stop.Token);
                socket.NoDelay = true;
                Interlocked.Increment(ref _accepted);
                lock (_lock)
                {
                    _tasks.Add(Task.Run(() => ServeAsync(socket)));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        FakeServerConnection? connection = null;
        try
        {
            byte[]? frame = await FakeServerConnection.ReadFrameAsync(stream, _stop.Token);
            if (frame is null)
            {
                return;
            }

            var reader = new JuteReader(frame);
            ConnectRequest request = ConnectRequest.Read(ref reader);
            TaskCompletionSource<FakeServerConnection> arrival;
            lock (_lock)
            {
                connection = new FakeServerConnection(_connections.Count, request, stream, _stop.Token);
                _connections.Add(connection);
                arrival = Arrival(connection.Index);
            }

            arrival.TrySetResult(connection);
            await _script(connection);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
        {
            // The client went away, or the server is stopping.
        }
        finally
        {
            connection?.Close();
            await stream.DisposeAsync();
        }
    }
}

/// <summary>One accepted connection whose connect request has been read; the script decides what happens next.</summary>
internal sealed class FakeServerConnection
{
    private readonly NetworkStream _stream;
    private readonly ConcurrentQueue<RequestHeader> _received = new();

    internal FakeServerConnection(int index, ConnectRequest request, NetworkStream stream, CancellationToken stopping)
    {
        Index = index;
        Request = request;
        _stream = stream;
        Stopping = stopping;
    }

    /// <summary>0 for the first connection to the server, 1 for the next, ...</summary>
    public int Index { get; }

    /// <summary>The connect request the client opened this connection with.</summary>
    public ConnectRequest Request { get; }

    public CancellationToken Stopping { get; }

    /// <summary>The header of every request frame read after the handshake, pings included.</summary>
    public IReadOnlyList<RequestHeader> Received => [.. _received];

    public static async Task<byte[]?> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] length = new byte[4];
        if (await stream.ReadAtLeastAsync(length, 4, throwOnEndOfStream: false, cancellationToken) < 4)
        {
            return null;
        }

        byte[] frame = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
        await stream.ReadExactlyAsync(frame, cancellationToken);
        return frame;
    }

    /// <summary>Answers the handshake with a live session (by default 0x1234, 4000 ms, <see cref="FakeZooKeeperServer.Password"/>).</summary>
    public Task AcceptSessionAsync(int timeoutMs = FakeZooKeeperServer.NegotiatedTimeoutMs, long sessionId = FakeZooKeeperServer.SessionId) =>
        WriteFrameAsync(new ConnectResponse(0, timeoutMs, sessionId, FakeZooKeeperServer.Password, false));

    /// <summary>Reads the next request other than a ping, answering pings meanwhile; null once the client has closed.</summary>
    public async Task<(RequestHeader Header, byte[] Body)?> ReadRequestAsync()
    {
        while (true)
        {
            byte[]? frame = await ReadFrameAsync(_stream, Stopping);
            if (frame is null)
            {
                return null;
            }

            RequestHeader header = ParseHeader(frame);
            _received.Enqueue(header);
            if (header.Type == OpCode.Ping)
            {
                await ReplyAsync(Xids.Ping, 0, ErrorCode.Ok);
                continue;
            }

            return (header, frame[RequestHeader.EncodedSize..]);
        }
    }

    /// <summary>
    /// Behaves like a healthy server with no nodes: answers pings, SetWatches and closeSession (then closes), and
    /// anything else with NoNode, until the client goes away.
    /// </summary>
    public async Task ServeAsync()
    {
        while (await ReadRequestAsync() is { } request)
        {
            RequestHeader header = request.Header;
            switch (header.Type)
            {
                case OpCode.CloseSession:
                    await ReplyAsync(header.Xid, 10, ErrorCode.Ok);
                    return;
                case OpCode.SetWatches or OpCode.Auth:
                    await ReplyAsync(header.Xid, 10, ErrorCode.Ok);
                    break;
                default:
                    await ReplyAsync(header.Xid, 10, ErrorCode.NoNode);
                    break;
            }
        }
    }

    /// <summary>Reads and discards whatever arrives until the client closes the connection.</summary>
    public async Task DrainUntilClosedAsync()
    {
        byte[] buffer = new byte[4096];
        while (await _stream.ReadAsync(buffer, Stopping) > 0)
        {
        }
    }

    public Task ReplyAsync(int xid, long zxid, ErrorCode err, IJuteRecord? body = null)
    {
        var writer = new JuteWriter();
        writer.WriteRecord(new ReplyHeader(xid, zxid, err));
        body?.Write(writer);
        return WriteFrameAsync(writer.WrittenSpan.ToArray());
    }

    public Task WriteFrameAsync(IJuteRecord record)
    {
        var writer = new JuteWriter();
        record.Write(writer);
        return WriteFrameAsync(writer.WrittenSpan.ToArray());
    }

    public async Task WriteFrameAsync(byte[] payload)
    {
        byte[] frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        await WriteRawAsync(frame);
    }

    public async Task WriteRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes, Stopping);

    /// <summary>Drops the connection (idempotent).</summary>
    public void Close() => _stream.Socket.Dispose();

    private static RequestHeader ParseHeader(byte[] frame)
    {
        var reader = new JuteReader(frame);
        return RequestHeader.Read(ref reader);
    }
}
