using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansHa.ZooKeeper;

/// <summary>Everything a <see cref="ZooKeeperClient"/> is configured with. Every timeout is here; none is hard-coded.</summary>
public sealed class ZooKeeperClientOptions
{
    /// <summary>The default for <see cref="MaxFrameSize"/>: the server's own default jute.maxbuffer (0xFFFFF).</summary>
    public const int DefaultMaxFrameSize = 0xFFFFF;

    /// <summary>
    /// <c>host:port[,host:port...][/chroot]</c>. Required. The chroot node must exist; every path is relative to it.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The session timeout to ask for (default 10 s). The server clamps it into its [min, max] range (by default 2 to
    /// 20 ticks); <see cref="ZooKeeperClient.SessionTimeout"/> is what was negotiated and what all timers use.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long <see cref="ZooKeeperClient.ConnectAsync(ZooKeeperClientOptions, CancellationToken)"/> tries to
    /// establish the first session, across all hosts and retries (default 15 s), before it fails naming the
    /// connection string. A single attempt on one host is bounded by the session timeout divided by the number of hosts.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Delays between reconnect attempts.</summary>
    public ReconnectPolicy ReconnectPolicy { get; set; } = new();

    /// <summary>
    /// The largest frame sent or accepted, in bytes (default 0xFFFFF, the server's default jute.maxbuffer). A reply
    /// larger than this breaks the connection with a clear error; a request larger than this is refused before it is sent.
    /// </summary>
    public int MaxFrameSize { get; set; } = DefaultMaxFrameSize;

    /// <summary>
    /// Whether a new session is started by itself after the current one is lost (default true). The loss is still
    /// reported (<see cref="ZooKeeperState.Lost"/>, <see cref="ZooKeeperSession.Lost"/>); what depended on the old
    /// session must start over on the new one.
    /// </summary>
    public bool RenewSessionAfterLoss { get; set; } = true;

    /// <summary>
    /// The digest identity presented (<c>addauth digest</c>) on every connection before any request, including those of
    /// a session made again after a loss (default: none). The server never refuses a digest identity; a wrong one only
    /// has no rights, so operations fail with <see cref="NoAuthException"/>.
    /// </summary>
    public DigestIdentity? Identity { get; set; }

    /// <summary>
    /// The ACL of each node created without one, by its path (relative to the chroot): the one place a caller decides
    /// who may read and change what it creates, for creates, multi creates and recipes alike (default: none, which
    /// gives <see cref="Acl.OpenUnsafe"/>).
    /// </summary>
    public Func<string, IReadOnlyList<Acl>>? DefaultAcl { get; set; }

    /// <summary>Where the client logs (default: nowhere).</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>The clock for every timer (default: the system clock). Tests may pass a controllable one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Called once per request when its reply (or failure) arrives, off the I/O loop's hot path, for latency metrics
    /// (default: none). It must be quick and must not throw.
    /// </summary>
    public Action<ZooKeeperRequestTiming>? RequestCompleted { get; set; }

    /// <summary>Checks every option; throws <see cref="ArgumentException"/> listing each invalid one and why.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (!OrleansHa.ZooKeeper.ConnectionString.TryParse(ConnectionString, out _, out string? error))
        {
            problems.Add($"{nameof(ConnectionString)}: {error}");
        }

        if (SessionTimeout <= TimeSpan.Zero || SessionTimeout.TotalMilliseconds > int.MaxValue)
        {
            problems.Add($"{nameof(SessionTimeout)} must be positive and below {int.MaxValue} ms; it is {SessionTimeout}.");
        }

        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout.TotalMilliseconds > int.MaxValue)
        {
            problems.Add($"{nameof(ConnectTimeout)} must be positive and below {int.MaxValue} ms; it is {ConnectTimeout}.");
        }

        if (MaxFrameSize < 1024)
        {
            problems.Add($"{nameof(MaxFrameSize)} must be at least 1024 bytes; it is {MaxFrameSize}.");
        }

        if (ReconnectPolicy is null)
        {
            problems.Add($"{nameof(ReconnectPolicy)} must be set.");
        }
        else
        {
            problems.AddRange(ReconnectPolicy.FindProblems().Select(p => $"{nameof(ReconnectPolicy)}.{p}"));
        }

        if (LoggerFactory is null)
        {
            problems.Add($"{nameof(LoggerFactory)} must be set.");
        }

        if (TimeProvider is null)
        {
            problems.Add($"{nameof(TimeProvider)} must be set.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid ZooKeeper client options: " + string.Join(" ", problems));
        }
    }
}

/// <summary>
/// How long to wait between connection attempts. After a broken connection the next host is tried at once; each
/// full pass over the host list that fails adds a delay that doubles from <see cref="BaseDelay"/> up to
/// <see cref="MaxDelay"/>, with up to <see cref="Jitter"/> of it random so that many clients do not retry in step.
/// </summary>
public sealed class ReconnectPolicy
{
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The share of each delay that is random, from 0 to 1 (default 0.5).</summary>
    public double Jitter { get; set; } = 0.5;

    /// <summary>The delay before the next attempt after <paramref name="failedPasses"/> passes over all hosts failed.</summary>
    public TimeSpan GetDelay(int failedPasses)
    {
        if (failedPasses <= 0)
        {
            return TimeSpan.Zero;
        }

        double ms = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failedPasses - 1, 30)));
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        double randomPart = ms * Jitter * Random.Shared.NextDouble();
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(ms * (1 - Jitter) + randomPart);
    }

    internal IEnumerable<string> FindProblems()
    {
        if (BaseDelay < TimeSpan.Zero)
        {
            yield return $"{nameof(BaseDelay)} must not be negative; it is {BaseDelay}.";
        }

        if (MaxDelay.TotalMilliseconds > int.MaxValue)
        {
            yield return $"{nameof(MaxDelay)} must be below {int.MaxValue} ms; it is {MaxDelay}.";
        }

        if (MaxDelay < BaseDelay)
        {
            yield return $"{nameof(MaxDelay)} ({MaxDelay}) must not be less than {nameof(BaseDelay)} ({BaseDelay}).";
        }

        if (Jitter is < 0 or > 1 || double.IsNaN(Jitter))
        {
            yield return $"{nameof(Jitter)} must be from 0 to 1; it is {Jitter}.";
        }
    }
}
