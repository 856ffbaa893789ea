using System.Globalization;
using OrleansHa.ZooKeeper;
using Keys = OrleansHa.Node.Configuration.NodeConfigurationKeys;

namespace OrleansHa.Node.Configuration;

/// <summary>Unknown keys and the rules that span several keys.</summary>
internal sealed partial class NodeConfigurationReader
{
    /// <summary>The message Dremio gives for an executor-only master (kept word for word).</summary>
    public const string MasterMustBeCoordinator = "A master node must also operate as a coordinator";

    /// <summary>
    /// Reports keys under <see cref="NodeConfigurationSchema.CheckedNamespaces"/> that are not known (with the likeliest
    /// intended key), known keys that should hold objects but do not, and top-level keys one typo away from ours.
    /// </summary>
    private void CheckKeys()
    {
        foreach ((string key, ConfigValue value) in _root.Fields)
        {
            if (NodeConfigurationSchema.CheckedNamespaces.Contains(key))
            {
                CheckKey(key, value);
            }
            else if (key != Keys.ZooKeeper && TopLevelNames.FirstOrDefault(name => IsNearMiss(key, name)) is string intended)
            {
                Report(value.Origin, ConfigPath.Render([key]), $"no such setting; did you mean '{intended}'?");
            }
        }
    }

    private void CheckKey(string key, ConfigValue value)
    {
        if (NodeConfigurationSchema.Keys.Contains(key))
        {
            return; // its type is checked when it is read
        }

        bool known = NodeConfigurationSchema.Objects.Contains(key);
        if (value is ConfigObject obj && (known || obj.Count > 0))
        {
            foreach ((string childKey, ConfigValue child) in obj.Fields)
            {
                CheckKey(ConfigPath.Append(key, childKey), child);
            }
        }
        else if (known)
        {
            Report(value.Origin, key, $"expected an object, got {value.Describe()}");
            _blocked.Add(key);
        }
        else
        {
            string? suggestion = NodeConfigurationSchema.Suggest(key);
            Report(value.Origin, key, suggestion is null
                ? $"no such setting (every key under {string.Join(", ", NodeConfigurationSchema.CheckedNamespaces)} must be a known one)"
                : $"no such setting; did you mean '{suggestion}'?");
        }
    }

    private static bool IsNearMiss(string key, string name) =>
        key != name && NodeConfigurationSchema.EditDistance(key, name) <= (name.Length >= 8 ? 2 : 1);

    private void Validate(NodeConfiguration configuration)
    {
        CheckRoles(configuration);
        CheckTimeouts(configuration);
        CheckPortsDistinct(configuration);
        CheckPath(Keys.PathsLocal, configuration.PathsLocal);
        CheckPath(Keys.PathsDb, configuration.PathsDb);
        CheckPath(Keys.PathsDist, configuration.PathsDist);

        if (ReadWell(Keys.ZooKeeper)
            && !ConnectionString.TryParse(configuration.ZooKeeper, out _, out string? error))
        {
            Report(OriginOf(Keys.ZooKeeper), Keys.ZooKeeper, error ?? "not a valid ZooKeeper connection string");
        }

        string clusterId = configuration.ClusterId;
        if (ReadWell(Keys.ClusterId)
            && (clusterId.Length == 0 || clusterId is "." or ".." || clusterId.Contains('/', StringComparison.Ordinal)
                || clusterId.Any(char.IsControl)))
        {
            Report(OriginOf(Keys.ClusterId), Keys.ClusterId,
                $"must be one ZooKeeper node name (not empty, no '/', not '.' or '..'), got {ConfigScalar.Quote(clusterId)}");
        }

        if (ReadWell(Keys.NodeName) && string.IsNullOrWhiteSpace(configuration.NodeName))
        {
            Report(OriginOf(Keys.NodeName), Keys.NodeName, "must not be empty");
        }

        if (ReadWell(Keys.NodeAddress) && Uri.CheckHostName(configuration.NodeAddress) == UriHostNameType.Unknown)
        {
            Report(OriginOf(Keys.NodeAddress), Keys.NodeAddress,
                $"must be a host name or an IP address, got {ConfigScalar.Quote(configuration.NodeAddress)}");
        }
    }

    /// <summary>Dremio's role rules: a master is a coordinator; a node runs a coordinator, an executor or both.</summary>
    private void CheckRoles(NodeConfiguration configuration)
    {
        if (configuration.MasterEnabled && !configuration.CoordinatorEnabled)
        {
            Report(OriginOf(Keys.CoordinatorEnabled), Keys.CoordinatorEnabled,
                $"{MasterMustBeCoordinator}: {Keys.MasterEnabled} is true (set at {OriginOf(Keys.MasterEnabled)}); "
                + $"enable the coordinator or set {Keys.MasterEnabled} = false");
        }

        if (!configuration.CoordinatorEnabled && !configuration.ExecutorEnabled)
        {
            Report(OriginOf(Keys.ExecutorEnabled), Keys.ExecutorEnabled,
                $"a node must run a coordinator, an executor or both, but {Keys.CoordinatorEnabled} "
                + $"(set at {OriginOf(Keys.CoordinatorEnabled)}) and {Keys.ExecutorEnabled} are both false");
        }
    }

    /// <summary>The ports this node listens on must differ (the embedded ZooKeeper's only where it runs).</summary>
    private void CheckPortsDistinct(NodeConfiguration configuration)
    {
        var ports = new List<(string Key, int Port)>
        {
            (Keys.WebPort, configuration.WebPort),
            (Keys.ClientEndpointPort, configuration.ClientEndpointPort),
            (Keys.FabricPort, configuration.FabricPort),
        };
        if (configuration.CoordinatorEnabled)
        {
            ports.Add((Keys.FlightPort, configuration.FlightPort));
        }

        if (configuration.EmbeddedZooKeeperEnabled)
        {
            ports.Add((Keys.EmbeddedZooKeeperPort, configuration.EmbeddedZooKeeperPort));
        }

        ports.RemoveAll(p => !ReadWell(p.Key));
        for (int i = 1; i < ports.Count; i++)
        {
            int earlier = ports.FindIndex(0, i, p => p.Port == ports[i].Port);
            if (earlier >= 0)
            {
                (string key, int port) = ports[i];
                Report(OriginOf(key), key,
                    $"port {port.ToString(CultureInfo.InvariantCulture)} is also {ports[earlier].Key} "
                    + $"(set at {OriginOf(ports[earlier].Key)}); each port of a node must differ");
            }
        }
    }

    private void CheckPath(string key, string path)
    {
        if (ReadWell(key) && !Path.IsPathFullyQualified(path))
        {
            Report(OriginOf(key), key, $"must be an absolute path, got {ConfigScalar.Quote(path)}");
        }
    }
}
