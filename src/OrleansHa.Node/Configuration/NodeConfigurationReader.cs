using System.Globalization;
using OrleansHa.ZooKeeper;
using Keys = OrleansHa.Node.Configuration.NodeConfigurationKeys;

namespace OrleansHa.Node.Configuration;

/// <summary>
/// Turns a resolved configuration tree into a <see cref="NodeConfiguration"/>, collecting every problem (unknown keys,
/// wrong types, failed rules) before throwing them together, each with the origin of the value at fault.
/// </summary>
internal sealed partial class NodeConfigurationReader
{
    /// <summary>Top-level keys checked for near-miss spellings of our own (<c>servces</c>, <c>zookeper</c>).</summary>
    private static readonly string[] TopLevelNames = ["services", "paths", "cluster", "zookeeper", "auth", "supervisor", "membership"];

    private readonly ConfigObject _root;
    private readonly List<ConfigurationProblem> _problems = [];
    private readonly HashSet<string> _blocked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

    private NodeConfigurationReader(ConfigObject root) => _root = root;

    /// <summary>Reads and validates <paramref name="root"/>, throwing <see cref="ConfigurationException"/> with every problem.</summary>
    public static NodeConfiguration Read(ConfigObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var reader = new NodeConfigurationReader(root);
        reader.CheckKeys();
        NodeConfiguration configuration = reader.ReadValues();
        reader.Validate(configuration);
        if (reader._problems.Count > 0)
        {
            // Problems from files first, in line order; then the rest in the order found.
            List<ConfigurationProblem> ordered = [.. reader._problems
                .Select((problem, index) => (problem, index))
                .OrderBy(p => p.problem.Origin?.Line is null ? 1 : 0)
                .ThenBy(p => p.problem.Origin?.File, StringComparer.Ordinal)
                .ThenBy(p => p.problem.Origin?.Line ?? 0)
                .ThenBy(p => p.index)
                .Select(p => p.problem)];
            throw new ConfigurationException(ordered);
        }

        return configuration;
    }

    private NodeConfiguration ReadValues()
    {
        bool coordinator = ReadBoolean(Keys.CoordinatorEnabled, true);
        bool master = ReadBoolean(Keys.MasterEnabled, true);
        bool embedded = ReadBoolean(Keys.EmbeddedZooKeeperEnabled, true) && master && coordinator;
        string zooKeeper = ReadString(Keys.ZooKeeper, "localhost:2181");
        TimeSpan sessionTimeout = ReadDuration(Keys.SessionTimeout, TimeSpan.FromSeconds(10));
        return new NodeConfiguration
        {
            PathsLocal = ReadString(Keys.PathsLocal, "/tmp/orleans-ha"),
            PathsDb = ReadString(Keys.PathsDb, "/tmp/orleans-ha/db"),
            PathsDist = ReadString(Keys.PathsDist, "/tmp/orleans-ha/dist"),
            ZooKeeper = zooKeeper,
            ZooKeeperConnectionString = ConnectionString.TryParse(zooKeeper, out ConnectionString? parsed, out _)
                ? parsed!
                : ConnectionString.Parse("localhost:2181"),
            SessionTimeout = sessionTimeout,
            CoordinatorEnabled = coordinator,
            MasterEnabled = master,
            EmbeddedZooKeeperEnabled = embedded,
            EmbeddedZooKeeperPort = ReadPort(Keys.EmbeddedZooKeeperPort, 2181, checkRange: embedded),
            WebPort = ReadPort(Keys.WebPort, 9047, checkRange: true),
            ClientEndpointPort = ReadPort(Keys.ClientEndpointPort, 31010, checkRange: true),
            FabricPort = ReadPort(Keys.FabricPort, 45678, checkRange: true),
            FlightPort = ReadPort(Keys.FlightPort, 32010, checkRange: coordinator),
            ExecutorEnabled = ReadBoolean(Keys.ExecutorEnabled, true),
            ClusterId = ReadString(Keys.ClusterId, "orleans-ha"),
            NodeName = ReadString(Keys.NodeName, Environment.MachineName),
            NodeAddress = ReadString(Keys.NodeAddress, "127.0.0.1"),
            AdminUser = ReadString(Keys.AdminUser, "admin"),
            AdminPassword = Value(Keys.AdminPassword, report: false) is null ? null : ReadString(Keys.AdminPassword, string.Empty),
            TokenLifetime = ReadDuration(Keys.TokenLifetime, TimeSpan.FromHours(30)),
            RevocationTimeout = ReadDuration(Keys.RevocationTimeout, TimeSpan.FromSeconds(2)),
            LoginFreeAttempts = ReadCount(Keys.LoginFreeAttempts, 5, min: 0, max: int.MaxValue),
            LoginInitialDelay = ReadDuration(Keys.LoginInitialDelay, TimeSpan.FromSeconds(1)),
            LoginMaxDelay = ReadDuration(Keys.LoginMaxDelay, TimeSpan.FromMinutes(5)),
            Master = ReadMasterSettings(),
            Supervisor = ReadSupervisorSettings(sessionTimeout),
            Membership = ReadMembershipSettings(),
            LogFormat = ReadLogFormat(),
            Config = new HoconConfig(_root),
        };
    }

    /// <summary>The value at a known key, or null (reporting it when it is not hidden by an earlier problem).</summary>
    private ConfigValue? Value(string key, bool report = true)
    {
        string[] segments = key.Split('.');
        for (int n = 1; n < segments.Length; n++)
        {
            if (_blocked.Contains(string.Join('.', segments[..n])))
            {
                return null;
            }
        }

        ConfigValue? value = _root.Find(segments);
        if (value is null && report)
        {
            Report(null, key, "no value is set");
        }

        return value;
    }

    private string ReadString(string key, string fallback)
    {
        ConfigValue? value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (ConfigValueReader.TryReadString(value, out string? text, out string? error))
        {
            return text;
        }

        Report(value.Origin, key, error);
        return fallback;
    }

    private bool ReadBoolean(string key, bool fallback)
    {
        ConfigValue? value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (ConfigValueReader.TryReadBoolean(value, out bool result, out string? error))
        {
            return result;
        }

        Report(value.Origin, key, error);
        return fallback;
    }

    private NodeLogFormat ReadLogFormat()
    {
        string format = ReadString(Keys.LogFormat, "text");
        if (Enum.TryParse(format, ignoreCase: true, out NodeLogFormat parsed) && Enum.IsDefined(parsed) && !int.TryParse(format, out _))
        {
            return parsed;
        }

        Report(Value(Keys.LogFormat)?.Origin, Keys.LogFormat, $"'{format}' is not a log format; use \"text\" or \"json\"");
        return NodeLogFormat.Text;
    }

    private TimeSpan ReadDuration(string key, TimeSpan fallback)
    {
        ConfigValue? value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (!ConfigValueReader.TryReadDuration(value, out TimeSpan result, out string? error))
        {
            Report(value.Origin, key, error);
            return fallback;
        }

        if (result <= TimeSpan.Zero)
        {
            Report(value.Origin, key, $"must be positive, got {value.Describe()}");
            return fallback;
        }

        return result;
    }

    private int ReadPort(string key, int fallback, bool checkRange)
    {
        ConfigValue? value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (!ConfigValueReader.TryReadInteger(value, out long port, out string? error))
        {
            Report(value.Origin, key, error);
            return fallback;
        }

        if (port is < 1 or > 65535)
        {
            if (checkRange)
            {
                Report(value.Origin, key, $"a port must be from 1 to 65535, got {port.ToString(CultureInfo.InvariantCulture)}");
            }

            return fallback;
        }

        return (int)port;
    }

    private ConfigOrigin? OriginOf(string key) => _root.Find(key.Split('.'))?.Origin;

    private void Report(ConfigOrigin? origin, string? key, string detail)
    {
        _problems.Add(new ConfigurationProblem(origin, key, detail));
        if (key is not null)
        {
            _failed.Add(key);
        }
    }

    /// <summary>Whether <paramref name="key"/> was read without a problem, so that rules may look at its value.</summary>
    private bool ReadWell(string key) => !_failed.Contains(key) && Value(key, report: false) is not null;
}
