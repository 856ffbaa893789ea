namespace OrleansHa.Node.Configuration;

/// <summary>The node's configuration keys, verbatim from the seed and Dremio's dremio.conf.</summary>
internal static class NodeConfigurationKeys
{
    public const string PathsLocal = "paths.local";
    public const string PathsDb = "paths.db";
    public const string PathsDist = "paths.dist";
    public const string ZooKeeper = "zookeeper";
    public const string SessionTimeout = "zk.client.session.timeout";
    public const string CoordinatorEnabled = "services.coordinator.enabled";
    public const string MasterEnabled = "services.coordinator.master.enabled";
    public const string EmbeddedZooKeeperEnabled = "services.coordinator.master.embedded-zookeeper.enabled";
    public const string EmbeddedZooKeeperPort = "services.coordinator.master.embedded-zookeeper.port";
    public const string WebPort = "services.coordinator.web.port";
    public const string ClientEndpointPort = "services.coordinator.client-endpoint.port";
    public const string FabricPort = "services.fabric.port";
    public const string FlightPort = "services.flight.port";
    public const string ExecutorEnabled = "services.executor.enabled";
    public const string ClusterId = "cluster.id";
    public const string NodeName = "node.name";
    public const string NodeAddress = "node.address";
    public const string AdminUser = "auth.admin.user";
    public const string AdminPassword = "auth.admin.password";
    public const string TokenLifetime = "auth.token.lifetime";
    public const string RevocationTimeout = "auth.token.revocation-timeout";
    public const string LoginFreeAttempts = "auth.login.throttle.free-attempts";
    public const string LoginInitialDelay = "auth.login.throttle.initial-delay";
    public const string LoginMaxDelay = "auth.login.throttle.max-delay";
    public const string LockProofInterval = "services.coordinator.master.lock-proof.interval";
    public const string ClaimRetryMaxDelay = "services.coordinator.master.claim-retry.max-delay";
    public const string MasterCallsRetryFor = "services.coordinator.master-calls.retry-for";
    public const string SupervisorEnabled = "supervisor.enabled";
    public const string HeartbeatTimeout = "supervisor.heartbeat.timeout";
    public const string HeartbeatInterval = "supervisor.heartbeat.interval";
    public const string StartupTimeout = "supervisor.startup.timeout";
    public const string RestartDelay = "supervisor.restart.delay";
    public const string RestartMaxDelay = "supervisor.restart.max-delay";
    public const string StopTimeout = "supervisor.stop.timeout";
    public const string ProbeTimeout = "membership.probe.timeout";
    public const string MissedProbesLimit = "membership.probe.missed-limit";
    public const string TableRefreshTimeout = "membership.table-refresh.timeout";
    public const string IAmAlivePublishTimeout = "membership.i-am-alive.timeout";
    public const string LogFormat = "log.format";
}

/// <summary>
/// The reference configuration every node file is merged over (as Dremio merges dremio.conf over its reference.conf),
/// and the set of known keys that typo checking and environment variable names are matched against.
/// </summary>
internal static class NodeConfigurationSchema
{
    /// <summary>
    /// The defaults. They are resolved together with the user's file, so <c>${paths.local}</c> here follows the user's
    /// <c>paths.local</c>. <c>node.name</c> defaults to the machine name, added by <see cref="Reference"/>.
    /// </summary>
    public const string ReferenceText = """
        paths.local = "/tmp/orleans-ha"
        paths.db = ${paths.local}"/db"
        paths.dist = ${paths.local}"/dist"

        zookeeper = "localhost:2181"
        zk.client.session.timeout = 10000

        services.coordinator.enabled = true
        services.coordinator.master.enabled = true
        services.coordinator.master.embedded-zookeeper.enabled = true
        services.coordinator.master.embedded-zookeeper.port = 2181
        services.coordinator.web.port = 9047
        services.coordinator.client-endpoint.port = 31010
        services.fabric.port = 45678
        # Arrow Flight and Flight SQL on every coordinator (gRPC over HTTP/2), as Dremio's.
        services.flight.port = 32010
        services.executor.enabled = true

        cluster.id = "orleans-ha"
        node.address = "127.0.0.1"

        # The first user, created when it does not exist yet; set auth.admin.password (or ORLEANSHA__auth__admin__password).
        auth.admin.user = "admin"
        auth.token.lifetime = 30h
        # How long a logout waits for every other coordinator to confirm; one that does not learns it from ZooKeeper.
        auth.token.revocation-timeout = 2s
        # Failed logins for one user or from one address before each further one waits: initial-delay, doubling up to max-delay.
        auth.login.throttle.free-attempts = 5
        auth.login.throttle.initial-delay = 1s
        auth.login.throttle.max-delay = 5m

        # How the active master keeps proving its standing, and how a lock holder claims the epoch while ZooKeeper is away.
        services.coordinator.master.lock-proof.interval = 500ms
        services.coordinator.master.claim-retry.max-delay = 1s
        # How long REST calls that need the master ride out a failover before answering 503.
        services.coordinator.master-calls.retry-for = 5s

        # The supervisor runs the silo as its child and SIGKILLs it when its heartbeat stalls past
        # supervisor.heartbeat.timeout (default: the session timeout less 1 s, at least 1 s), so that a hung
        # master is replaced within the session timeout + 1 s. The heartbeat is sent every
        # supervisor.heartbeat.interval (default: a sixth of the timeout). Under systemd set supervisor.enabled = false
        # and let WatchdogSec= do the same with the same heartbeat.
        supervisor.enabled = true
        supervisor.startup.timeout = 2m
        supervisor.restart.delay = 500ms
        supervisor.restart.max-delay = 10s
        supervisor.stop.timeout = 30s

        # Orleans' failure detection: a killed silo reads Dead in about 1 s with these on loopback (15 s with Orleans' defaults).
        membership.probe.timeout = 1s
        membership.probe.missed-limit = 2
        membership.table-refresh.timeout = 2s
        membership.i-am-alive.timeout = 2s

        # Console log lines: "text" (one line each, for people) or "json" (one JSON object each, with every value of the
        # message as a property, for log shippers).
        log.format = "text"
        """;

    /// <summary>
    /// Top-level keys whose every key must be known: a typo under them is an error, not a silently ignored setting.
    /// Other top-level keys are left alone for other readers of the configuration.
    /// </summary>
    public static IReadOnlyList<string> CheckedNamespaces { get; } = ["services", "paths", "zk", "cluster", "node", "auth", "supervisor", "membership", "log"];

    /// <summary>Every known key that holds a value.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        NodeConfigurationKeys.PathsLocal,
        NodeConfigurationKeys.PathsDb,
        NodeConfigurationKeys.PathsDist,
        NodeConfigurationKeys.ZooKeeper,
        NodeConfigurationKeys.SessionTimeout,
        NodeConfigurationKeys.CoordinatorEnabled,
        NodeConfigurationKeys.MasterEnabled,
        NodeConfigurationKeys.EmbeddedZooKeeperEnabled,
        NodeConfigurationKeys.EmbeddedZooKeeperPort,
        NodeConfigurationKeys.WebPort,
        NodeConfigurationKeys.ClientEndpointPort,
        NodeConfigurationKeys.FabricPort,
        NodeConfigurationKeys.FlightPort,
        NodeConfigurationKeys.ExecutorEnabled,
        NodeConfigurationKeys.ClusterId,
        NodeConfigurationKeys.NodeName,
        NodeConfigurationKeys.NodeAddress,
        NodeConfigurationKeys.AdminUser,
        NodeConfigurationKeys.AdminPassword,
        NodeConfigurationKeys.TokenLifetime,
        NodeConfigurationKeys.RevocationTimeout,
        NodeConfigurationKeys.LoginFreeAttempts,
        NodeConfigurationKeys.LoginInitialDelay,
        NodeConfigurationKeys.LoginMaxDelay,
        NodeConfigurationKeys.LockProofInterval,
        NodeConfigurationKeys.ClaimRetryMaxDelay,
        NodeConfigurationKeys.MasterCallsRetryFor,
        NodeConfigurationKeys.SupervisorEnabled,
        NodeConfigurationKeys.HeartbeatTimeout,
        NodeConfigurationKeys.HeartbeatInterval,
        NodeConfigurationKeys.StartupTimeout,
        NodeConfigurationKeys.RestartDelay,
        NodeConfigurationKeys.RestartMaxDelay,
        NodeConfigurationKeys.StopTimeout,
        NodeConfigurationKeys.ProbeTimeout,
        NodeConfigurationKeys.MissedProbesLimit,
        NodeConfigurationKeys.TableRefreshTimeout,
        NodeConfigurationKeys.IAmAlivePublishTimeout,
        NodeConfigurationKeys.LogFormat,
    ];

    /// <summary>Every key that holds known keys (<c>services</c>, <c>services.coordinator</c>, ...).</summary>
    public static IReadOnlySet<string> Objects { get; } = Keys
        .SelectMany(key => Enumerable.Range(1, key.Count(c => c == '.')).Select(n => string.Join('.', key.Split('.')[..n])))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The defaults as an unresolved tree, with <c>node.name</c> set to <paramref name="machineName"/>.</summary>
    public static ConfigObject Reference(string machineName)
    {
        ConfigObject reference = HoconParser.ParseDocument(ReferenceText, ConfigOrigin.Defaults);
        ConfigObject nodeName = ConfigObject.Nest(
            ["node", "name"], ConfigScalar.String(machineName, ConfigOrigin.Defaults), ConfigOrigin.Defaults);
        return ConfigObject.Merge(reference, nodeName);
    }

    /// <summary>The known key closest to <paramref name="key"/>, when it is close enough to be a likely typo.</summary>
    public static string? Suggest(string key)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in Keys.Concat(Objects))
        {
            int distance = EditDistance(key, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return bestDistance <= Math.Max(1, Math.Min(3, key.Length / 4)) ? best : null;
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    public static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
