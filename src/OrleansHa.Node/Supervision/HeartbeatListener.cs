using System.Net.Sockets;
using System.Text;

namespace OrleansHa.Node.Supervision;

/// <summary>
/// The supervisor's end of the notification socket: a Unix datagram socket in the abstract namespace (no file to
/// clean up) that the child finds through <c>NOTIFY_SOCKET</c>. It records when the child last said <c>READY=1</c>
/// and <c>WATCHDOG=1</c>, and its latest <c>STATUS=</c>.
/// </summary>
internal sealed class HeartbeatListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Task _receiving;
    private long? _readyAt;
    private long? _lastWatchdog;
    private long? _stoppingAt;

    public HeartbeatListener(TimeProvider time)
    {
        _time = time;
        Address = $"@orleans-ha-supervisor-{Environment.ProcessId}-{Guid.NewGuid():N}";
        _socket.Bind(NotifySocket.EndPointOf(Address));
        _receiving = ReceiveAsync(_stopping.Token);
    }

    /// <summary>What the child's <c>NOTIFY_SOCKET</c> is set to.</summary>
    public string Address { get; }

    /// <summary>The child's latest <c>STATUS=</c>, if any.</summary>
    public string? Status { get; private set; }

    /// <summary>Raised when the child first says <c>READY=1</c> (on the receiving thread).</summary>
    public event Action? Ready;

    /// <summary>When the child said it was ready, as a <see cref="TimeProvider"/> timestamp; null before that.</summary>
    public long? ReadyAt
    {
        get
        {
            lock (_gate)
            {
                return _readyAt;
            }
        }
    }

    /// <summary>When the child said it is stopping (<c>STOPPING=1</c>), as a timestamp; null before that.</summary>
    public long? StoppingAt
    {
        get
        {
            lock (_gate)
            {
                return _stoppingAt;
            }
        }
    }

    /// <summary>The last heartbeat (or the readiness, which counts as the first), as a timestamp; null before either.</summary>
    public long? LastHeartbeat
    {
        get
        {
            lock (_gate)
            {
                return _lastWatchdog ?? _readyAt;
            }
        }
    }

    /// <summary>Forgets the previous child: a new one starts from "not ready".</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _readyAt = null;
            _lastWatchdog = null;
            _stoppingAt = null;
            Status = null;
        }
    }

    /// <summary>Takes one datagram of newline-separated assignments (separate for tests).</summary>
    internal void Take(string message)
    {
        bool becameReady = false;
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            foreach (string line in message.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line == "READY=1" && _readyAt is null)
                {
                    _readyAt = now;
                    becameReady = true;
                }
                else if (line == "WATCHDOG=1")
                {
                    _lastWatchdog = now;
                }
                else if (line == "STOPPING=1")
                {
                    _stoppingAt ??= now;
                }
                else if (line.StartsWith("STATUS=", StringComparison.Ordinal))
                {
                    Status = line["STATUS=".Length..];
                }
            }
        }

        if (becameReady)
        {
            Ready?.Invoke();
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _socket.Dispose();
        try
        {
            _receiving.GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stopping.Dispose();
    }

    private async Task ReceiveAsync(CancellationToken stopping)
    {
        byte[] buffer = new byte[4096];
        while (!stopping.IsCancellationRequested)
        {
            int received = await _socket.ReceiveAsync(buffer, SocketFlags.None, stopping);
            Take(Encoding.UTF8.GetString(buffer, 0, received));
        }
    }
}
