namespace OrleansHa.Testing;

/// <summary>
/// How a test ZooKeeper server (or every member of a test ensemble) is configured and launched.
/// The defaults favour fast failure detection and a small footprint on a 2-core CI machine.
/// </summary>
public sealed record ZooKeeperServerSettings
{
    /// <summary>Shared default instance.</summary>
    public static ZooKeeperServerSettings Default { get; } = new();

    /// <summary>zoo.cfg <c>tickTime</c> in milliseconds. Default 200 (ZooKeeper's own default is 2000).</summary>
    public int TickTimeMs { get; init; } = 200;

    /// <summary>zoo.cfg <c>minSessionTimeout</c> in milliseconds. Default 400 (2 ticks at the default tick).</summary>
    public int MinSessionTimeoutMs { get; init; } = 400;

    /// <summary>zoo.cfg <c>maxSessionTimeout</c> in milliseconds. Default 20000.</summary>
    public int MaxSessionTimeoutMs { get; init; } = 20_000;

    /// <summary>zoo.cfg <c>initLimit</c> in ticks (ensembles only). Default 10 (2 s at the default tick).</summary>
    public int InitLimit { get; init; } = 10;

    /// <summary>zoo.cfg <c>syncLimit</c> in ticks (ensembles only). Default 5 (1 s at the default tick).</summary>
    public int SyncLimit { get; init; } = 5;

    /// <summary>
    /// Extra zoo.cfg entries (key → value), written after and overriding the harness defaults.
    /// Unknown keys become <c>zookeeper.&lt;key&gt;</c> system properties (e.g. <c>extendedTypesEnabled=true</c>).
    /// Default: none.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ExtraConfig { get; init; }

    /// <summary>
    /// Extra JVM system properties (<c>-Dkey=value</c>) for settings zoo.cfg cannot carry,
    /// e.g. <c>znode.container.checkIntervalMs</c> or <c>jute.maxbuffer</c>. Default: none.
    /// </summary>
    public IReadOnlyDictionary<string, string>? JvmSystemProperties { get; init; }

    /// <summary>Maximum JVM heap (<c>-Xmx</c>) in MiB. Default 128.</summary>
    public int JvmHeapMb { get; init; } = 128;

    /// <summary>
    /// slf4j-simple log level of the server (trace, debug, info, warn, error). Default "info": startup,
    /// elections, session creation/expiry and connection drops, a few KiB per test.
    /// </summary>
    public string LogLevel { get; init; } = "info";

    /// <summary>
    /// Whether the transaction log is fsynced (<c>forceSync</c>). Default false: a killed process still
    /// leaves its writes in the page cache, so process-fault tests lose nothing and run faster.
    /// </summary>
    public bool ForceSync { get; init; }

    /// <summary>How long starting a server (or an ensemble) may take before it fails. Default 60 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Keep the server's temp directory (config, data, log) on dispose, for debugging. Default false.</summary>
    public bool KeepDirectoryOnDispose { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TickTimeMs, 1, nameof(TickTimeMs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinSessionTimeoutMs, 1, nameof(MinSessionTimeoutMs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSessionTimeoutMs, MinSessionTimeoutMs, nameof(MaxSessionTimeoutMs));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitLimit, 1, nameof(InitLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(SyncLimit, 1, nameof(SyncLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(JvmHeapMb, 16, nameof(JvmHeapMb));
        ArgumentException.ThrowIfNullOrWhiteSpace(LogLevel, nameof(LogLevel));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartTimeout, TimeSpan.Zero, nameof(StartTimeout));
    }
}
