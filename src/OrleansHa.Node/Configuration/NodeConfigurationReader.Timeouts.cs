using System.Globalization;
using Keys = OrleansHa.Node.Configuration.NodeConfigurationKeys;

namespace OrleansHa.Node.Configuration;

/// <summary>The timeouts that bound a failover: read, derived where they follow the session timeout, and checked together.</summary>
internal sealed partial class NodeConfigurationReader
{
    private MasterSettings ReadMasterSettings() => new(
        ReadDuration(Keys.LockProofInterval, TimeSpan.FromMilliseconds(500)),
        ReadDuration(Keys.ClaimRetryMaxDelay, TimeSpan.FromSeconds(1)),
        ReadDuration(Keys.MasterCallsRetryFor, TimeSpan.FromSeconds(5)));

    private SupervisorSettings ReadSupervisorSettings(TimeSpan sessionTimeout)
    {
        // Below the session timeout by a second, so that a hung master is killed (and its lock freed) before the
        // ensemble could have expired its session plus the second a takeover may take.
        TimeSpan timeout = ReadOptionalDuration(Keys.HeartbeatTimeout)
            ?? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, (sessionTimeout - TimeSpan.FromSeconds(1)).Ticks));
        TimeSpan interval = ReadOptionalDuration(Keys.HeartbeatInterval) ?? timeout / 6;
        return new SupervisorSettings(
            ReadBoolean(Keys.SupervisorEnabled, true),
            timeout,
            interval,
            ReadDuration(Keys.StartupTimeout, TimeSpan.FromMinutes(2)),
            ReadDuration(Keys.RestartDelay, TimeSpan.FromMilliseconds(500)),
            ReadDuration(Keys.RestartMaxDelay, TimeSpan.FromSeconds(10)),
            ReadDuration(Keys.StopTimeout, TimeSpan.FromSeconds(30)));
    }

    private MembershipSettings ReadMembershipSettings() => new(
        ReadDuration(Keys.ProbeTimeout, TimeSpan.FromSeconds(1)),
        ReadCount(Keys.MissedProbesLimit, 2),
        ReadDuration(Keys.TableRefreshTimeout, TimeSpan.FromSeconds(2)),
        ReadDuration(Keys.IAmAlivePublishTimeout, TimeSpan.FromSeconds(2)));

    /// <summary>A positive duration at a key that has no fixed default, or null when it is not set.</summary>
    private TimeSpan? ReadOptionalDuration(string key) =>
        Value(key, report: false) is null ? null : ReadDuration(key, TimeSpan.Zero) is { Ticks: > 0 } read ? read : null;

    private int ReadCount(string key, int fallback)
    {
        ConfigValue? value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (!ConfigValueReader.TryReadInteger(value, out long count, out string? error))
        {
            Report(value.Origin, key, error);
            return fallback;
        }

        if (count is < 1 or > 100)
        {
            Report(value.Origin, key, $"must be from 1 to 100, got {count.ToString(CultureInfo.InvariantCulture)}");
            return fallback;
        }

        return (int)count;
    }

    /// <summary>The bounds promised for a failover hold only when the timeouts fit together.</summary>
    private void CheckTimeouts(NodeConfiguration configuration)
    {
        SupervisorSettings supervisor = configuration.Supervisor;
        if (ReadWell(Keys.HeartbeatTimeout) && ReadWell(Keys.SessionTimeout) && supervisor.HeartbeatTimeout >= configuration.SessionTimeout)
        {
            Report(OriginOf(Keys.HeartbeatTimeout), Keys.HeartbeatTimeout,
                $"must be below {Keys.SessionTimeout} ({Describe(configuration.SessionTimeout)}, set at {OriginOf(Keys.SessionTimeout)}), "
                + $"so that a hung master is replaced before its session could expire; got {Describe(supervisor.HeartbeatTimeout)}");
        }

        if (supervisor.HeartbeatInterval * 2 > supervisor.HeartbeatTimeout)
        {
            string key = ReadWell(Keys.HeartbeatInterval) ? Keys.HeartbeatInterval : Keys.HeartbeatTimeout;
            Report(OriginOf(key), key,
                $"{Keys.HeartbeatInterval} ({Describe(supervisor.HeartbeatInterval)}) must be at most half of {Keys.HeartbeatTimeout} "
                + $"({Describe(supervisor.HeartbeatTimeout)}), or one late heartbeat would kill a working node");
        }

        if (ReadWell(Keys.RestartMaxDelay) && supervisor.RestartMaxDelay < supervisor.RestartDelay)
        {
            Report(OriginOf(Keys.RestartMaxDelay), Keys.RestartMaxDelay,
                $"must not be below {Keys.RestartDelay} ({Describe(supervisor.RestartDelay)}), got {Describe(supervisor.RestartMaxDelay)}");
        }

        if (ReadWell(Keys.LockProofInterval) && configuration.Master.LockProofInterval * 2 > configuration.SessionTimeout)
        {
            Report(OriginOf(Keys.LockProofInterval), Keys.LockProofInterval,
                $"must be at most half of {Keys.SessionTimeout} ({Describe(configuration.SessionTimeout)}), or a master that lost its standing "
                + $"would notice too late; got {Describe(configuration.Master.LockProofInterval)}");
        }
    }

    private static string Describe(TimeSpan duration) => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0} ms");
}
