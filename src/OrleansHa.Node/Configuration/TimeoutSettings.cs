namespace OrleansHa.Node.Configuration;

/// <summary>How the active master keeps its standing and how a lock holder claims the epoch (<c>services.coordinator.master.*</c>).</summary>
/// <param name="LockProofInterval">How often the active master proves its lock, session and record (default 500 ms).</param>
/// <param name="ClaimRetryMaxDelay">The longest wait between two claims while ZooKeeper is away (default 1 s).</param>
/// <param name="CallsRetryFor">How long REST calls that need the master ride out a failover before a 503 (default 5 s).</param>
internal sealed record MasterSettings(TimeSpan LockProofInterval, TimeSpan ClaimRetryMaxDelay, TimeSpan CallsRetryFor);

/// <summary>The node's supervisor and the heartbeat it watches (<c>supervisor.*</c>).</summary>
/// <param name="Enabled">Whether <c>orleans-ha-node</c> runs the silo as its supervised child (default true).</param>
/// <param name="HeartbeatTimeout">A silo whose heartbeat stalls this long is SIGKILLed (default: session timeout − 1 s, at least 1 s).</param>
/// <param name="HeartbeatInterval">How often a working silo sends its heartbeat (default: a sixth of the timeout).</param>
/// <param name="StartupTimeout">A silo that does not report ready within this is killed and started again (default 2 min).</param>
/// <param name="RestartDelay">The first wait before a restart; doubled after each restart that did not get ready (default 500 ms).</param>
/// <param name="RestartMaxDelay">The longest wait before a restart (default 10 s).</param>
/// <param name="StopTimeout">How long a stopping silo may take after SIGTERM before it is killed (default 30 s).</param>
internal sealed record SupervisorSettings(
    bool Enabled,
    TimeSpan HeartbeatTimeout,
    TimeSpan HeartbeatInterval,
    TimeSpan StartupTimeout,
    TimeSpan RestartDelay,
    TimeSpan RestartMaxDelay,
    TimeSpan StopTimeout);

/// <summary>Orleans' failure detection (<c>membership.*</c>): <c>ClusterMembershipOptions</c>.</summary>
internal sealed record MembershipSettings(TimeSpan ProbeTimeout, int MissedProbesLimit, TimeSpan TableRefreshTimeout, TimeSpan IAmAlivePublishTimeout);
