namespace OrleansHa.ZooKeeper;

/// <summary>The client's connection state as users see it.</summary>
public enum ZooKeeperState
{
    /// <summary>No session yet: the first connection is being made.</summary>
    Connecting,

    /// <summary>Connected to a server with a live session.</summary>
    Connected,

    /// <summary>
    /// The connection broke; the session may still live on the ensemble and the client is reconnecting. Writes that
    /// assume exclusive ownership (a leader's) should pause: another client may yet see this session expire.
    /// </summary>
    Suspended,

    /// <summary>
    /// The session is gone: the ensemble expired it, or the client was disconnected longer than the session timeout.
    /// Ephemeral nodes and watches of that session are gone. A new session follows when
    /// <see cref="ZooKeeperClientOptions.RenewSessionAfterLoss"/> is on.
    /// </summary>
    Lost,

    /// <summary>The client was closed; nothing more will happen.</summary>
    Closed,
}

/// <summary>A change of <see cref="ZooKeeperClient.State"/>.</summary>
public sealed record ZooKeeperStateChange(ZooKeeperState Previous, ZooKeeperState Current, long SessionId);

/// <summary>
/// One ZooKeeper session. <see cref="Lost"/> is cancelled when the session is lost or the client closed: hand it to
/// everything that is only valid while this session lives (ephemeral nodes, leadership, locks).
/// </summary>
#pragma warning disable CA1001 // The token must stay usable for as long as anyone holds it; the source is never disposed.
public sealed class ZooKeeperSession
#pragma warning restore CA1001
{
    private readonly CancellationTokenSource _lost = new();

    internal ZooKeeperSession(long id, byte[] password, TimeSpan timeout)
    {
        Id = id;
        Password = password;
        Timeout = timeout;
    }

    public long Id { get; }

    /// <summary>The negotiated session timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Cancelled when this session is lost or the client is closed.</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    internal byte[] Password { get; }

    /// <summary>Cancels <see cref="Lost"/>; callbacks run on the thread pool, never on the I/O loop.</summary>
    internal void MarkLost() => _ = _lost.CancelAsync();

    public override string ToString() => $"0x{Id:x}";
}
