using System.Collections.Frozen;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Configuration;

/// <summary>The roles a node plays, as they appear in <see cref="NodeConfiguration.Roles"/>.</summary>
internal static class NodeRoles
{
    public const string Master = "master";
    public const string Coordinator = "coordinator";
    public const string Executor = "executor";
}

/// <summary>
/// A node's configuration: the seed's (and Dremio's) keys, read from a HOCON file merged over built-in defaults, with
/// environment variables and command-line switches over it, resolved and validated. See
/// <see cref="Load(string?, IReadOnlyDictionary{string, string}, IReadOnlyList{string})"/>.
/// </summary>
internal sealed class NodeConfiguration
{
    /// <summary><c>paths.local</c>: this node's own data folder. Default <c>/tmp/orleans-ha</c>.</summary>
    public required string PathsLocal { get; init; }

    /// <summary><c>paths.db</c>: the metadata store and master lock (shared by master-eligible nodes). Default <c>${paths.local}/db</c>.</summary>
    public required string PathsDb { get; init; }

    /// <summary><c>paths.dist</c>: job results and uploads, shared by coordinators. Default <c>${paths.local}/dist</c>.</summary>
    public required string PathsDist { get; init; }

    /// <summary><c>zookeeper</c>: the ensemble, <c>host:port[,host:port...][/chroot]</c>. Default <c>localhost:2181</c>.</summary>
    public required string ZooKeeper { get; init; }

    /// <summary><see cref="ZooKeeper"/> parsed.</summary>
    public required ConnectionString ZooKeeperConnectionString { get; init; }

    /// <summary><c>zk.client.session.timeout</c> (milliseconds, or a duration with a unit). Default 10 s.</summary>
    public required TimeSpan SessionTimeout { get; init; }

    /// <summary><c>services.coordinator.enabled</c>. Default true.</summary>
    public required bool CoordinatorEnabled { get; init; }

    /// <summary><c>services.coordinator.master.enabled</c>: this node may become the active master. Default true.</summary>
    public required bool MasterEnabled { get; init; }

    /// <summary>
    /// Whether this node runs an embedded ZooKeeper: <c>services.coordinator.master.embedded-zookeeper.enabled</c>
    /// (default true) on a master-enabled node; false on any other node, where the key is ignored.
    /// </summary>
    public required bool EmbeddedZooKeeperEnabled { get; init; }

    /// <summary><c>services.coordinator.master.embedded-zookeeper.port</c>. Default 2181.</summary>
    public required int EmbeddedZooKeeperPort { get; init; }

    /// <summary><c>services.coordinator.web.port</c>: REST API, web pages, dashboard. Default 9047.</summary>
    public required int WebPort { get; init; }

    /// <summary><c>services.coordinator.client-endpoint.port</c>: the Orleans gateway port for grain clients. Default 31010.</summary>
    public required int ClientEndpointPort { get; init; }

    /// <summary><c>services.fabric.port</c>: the Orleans silo-to-silo port. Default 45678.</summary>
    public required int FabricPort { get; init; }

    /// <summary><c>services.flight.port</c>: Arrow Flight and Flight SQL, on coordinators. Default 32010.</summary>
    public required int FlightPort { get; init; }

    /// <summary><c>services.executor.enabled</c>. Default true.</summary>
    public required bool ExecutorEnabled { get; init; }

    /// <summary><c>cluster.id</c>: names the cluster's root znode. Default <c>orleans-ha</c>.</summary>
    public required string ClusterId { get; init; }

    /// <summary><c>node.name</c>. Default: the machine name.</summary>
    public required string NodeName { get; init; }

    /// <summary><c>node.address</c>: the address other silos and clients reach this node at. Default <c>127.0.0.1</c>.</summary>
    public required string NodeAddress { get; init; }

    /// <summary><c>auth.admin.user</c>: the first user, created with <see cref="AdminPassword"/> if it does not exist. Default <c>admin</c>.</summary>
    public required string AdminUser { get; init; }

    /// <summary><c>auth.admin.password</c>: the first user's password, or null when not configured (then no user is created).</summary>
    public required string? AdminPassword { get; init; }

    /// <summary><c>auth.token.lifetime</c>: how long a login token is valid. Default 30 hours, as Dremio's.</summary>
    public required TimeSpan TokenLifetime { get; init; }

    /// <summary><c>auth.token.revocation-timeout</c>: how long a logout waits for each other coordinator to confirm it. Default 2 s.</summary>
    public required TimeSpan RevocationTimeout { get; init; }

    /// <summary><c>auth.login.throttle.free-attempts</c>: failed logins for one user or from one address before the next must wait. Default 5.</summary>
    public required int LoginFreeAttempts { get; init; }

    /// <summary><c>auth.login.throttle.initial-delay</c>: the first wait; each further failure doubles it. Default 1 s.</summary>
    public required TimeSpan LoginInitialDelay { get; init; }

    /// <summary><c>auth.login.throttle.max-delay</c>: the longest wait, and how long a quiet user or address is remembered. Default 5 min.</summary>
    public required TimeSpan LoginMaxDelay { get; init; }

    /// <summary>How the master keeps and claims its standing, and how long master calls ride out a failover.</summary>
    public required MasterSettings Master { get; init; }

    /// <summary>The supervisor and the heartbeat it watches (<c>supervisor.*</c>).</summary>
    public required SupervisorSettings Supervisor { get; init; }

    /// <summary>Orleans' failure detection (<c>membership.*</c>).</summary>
    public required MembershipSettings Membership { get; init; }

    /// <summary>The cluster's znodes, under <c>/orleans-ha/&lt;cluster.id&gt;</c>.</summary>
    public OrleansHa.Clustering.ZooKeeper.ClusterZnodes Znodes => field ??= OrleansHa.Clustering.ZooKeeper.ClusterZnodes.For(ClusterId);

    /// <summary><c>log.format</c>: how console log lines are written. Default <see cref="NodeLogFormat.Text"/>.</summary>
    public NodeLogFormat LogFormat { get; init; } = NodeLogFormat.Text;

    /// <summary>The roles this node plays: <see cref="NodeRoles.Master"/>, <see cref="NodeRoles.Coordinator"/>, <see cref="NodeRoles.Executor"/>.</summary>
    public IReadOnlySet<string> Roles => field ??= BuildRoles();

    /// <summary>The whole resolved configuration, for keys outside the ones above (other top-level keys are allowed).</summary>
    public required HoconConfig Config { get; init; }

    /// <summary>
    /// Loads the node's configuration. Precedence, highest first: the command line, the environment, the file, the
    /// built-in defaults (<see cref="NodeConfigurationSchema.ReferenceText"/>). All of them are merged before
    /// substitutions are resolved, so a default such as <c>paths.db = ${paths.local}"/db"</c> follows an override of
    /// <c>paths.local</c> from any of them.
    /// </summary>
    /// <param name="file">The configuration file, or null for defaults only; <c>--config</c> on the command line wins over it.</param>
    /// <param name="environment">
    /// The environment: <c>ORLEANSHA__part__part=value</c> variables override keys (see <see cref="ConfigurationOverrides"/>),
    /// and <c>${VAR}</c> / <c>${?VAR}</c> substitutions that name no key read variables from it.
    /// </param>
    /// <param name="commandLine"><c>--config &lt;file&gt;</c> and <c>--set key=value</c> (see <see cref="NodeCommandLine"/>).</param>
    /// <exception cref="ConfigurationException">
    /// The file is missing or does not parse, a substitution does not resolve, or any value fails validation (then
    /// every problem found is in <see cref="ConfigurationException.Problems"/>).
    /// </exception>
    public static NodeConfiguration Load(string? file, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> commandLine) =>
        Load(file, environment, commandLine, Environment.MachineName);

    /// <inheritdoc cref="Load(string?, IReadOnlyDictionary{string, string}, IReadOnlyList{string})"/>
    internal static NodeConfiguration Load(
        string? file, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> commandLine, string machineName)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(commandLine);
        var problems = new List<ConfigurationProblem>();
        NodeCommandLine arguments = NodeCommandLine.Parse(commandLine, problems);
        ConfigObject environmentOverrides = ConfigurationOverrides.FromEnvironment(environment, problems);
        if (problems.Count > 0)
        {
            throw new ConfigurationException(problems);
        }

        ConfigObject tree = NodeConfigurationSchema.Reference(machineName);
        string? path = arguments.ConfigFile ?? file;
        if (path is not null)
        {
            tree = ConfigObject.Merge(tree, HoconParser.ParseFile(path));
        }

        tree = ConfigObject.Merge(tree, environmentOverrides);
        tree = ConfigObject.Merge(tree, arguments.Overrides);
        return NodeConfigurationReader.Read(HoconResolver.Resolve(tree, environment));
    }

    private FrozenSet<string> BuildRoles()
    {
        var roles = new List<string>(3);
        if (MasterEnabled && CoordinatorEnabled)
        {
            roles.Add(NodeRoles.Master);
        }

        if (CoordinatorEnabled)
        {
            roles.Add(NodeRoles.Coordinator);
        }

        if (ExecutorEnabled)
        {
            roles.Add(NodeRoles.Executor);
        }

        return roles.ToFrozenSet(StringComparer.Ordinal);
    }
}

/// <summary>The values of <c>log.format</c>.</summary>
internal enum NodeLogFormat
{
    /// <summary>One line per message, for people.</summary>
    Text,

    /// <summary>One JSON object per message, its values as properties (epoch, node, reason of a master transition).</summary>
    Json,
}
