using OrleansHa.Node.Configuration;

namespace OrleansHa.Node;

/// <summary>
/// What must hold before the node joins: it has the cluster's ZooKeeper identity, and a master-eligible node can write
/// its shared metadata directory. (The znodes' ACLs are checked once connected: <see cref="Security.ZooKeeperAclCheck"/>.)
/// </summary>
internal static class StartupChecks
{
    public static void Run(NodeConfiguration config)
    {
        if (config.ZooKeeperIdentity is null)
        {
            throw new ConfigurationException(
                $"the node needs the cluster's ZooKeeper identity, which owns every znode of the cluster: set {NodeConfigurationKeys.ZooKeeperAuthFile} " +
                $"to a file holding 'user:password' (mode 0600), or {NodeConfigurationKeys.ZooKeeperAuthDigest} in the config file or " +
                "ORLEANSHA__zk__client__auth__digest; every node of the cluster uses the same one");
        }

        if (!config.MasterEnabled)
        {
            return;
        }

        string probe = Path.Combine(config.PathsDb, $".write-probe-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(config.PathsDb);
            File.WriteAllText(probe, "probe");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"paths.db '{config.PathsDb}' is not writable, so this node cannot be master: {ex.Message}");
        }
    }
}

/// <summary>Turns a failed start into one line an operator can act on, or null for a genuine bug.</summary>
internal static class StartupFailure
{
    public static string? Describe(Exception ex, NodeConfiguration config)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case OrleansHa.ZooKeeper.ConnectionLossException:
                    return $"cannot reach ZooKeeper at '{config.ZooKeeper}': {e.Message}";
                case OrleansHa.Coordination.ClusterTlsException:
                    return $"TLS (services.tls.*): {e.Message}";
                case OrleansHa.Clustering.ZooKeeper.ClusterAclException:
                    return e.Message;
                case OrleansHa.ZooKeeper.NoAuthException:
                    return $"ZooKeeper refused the identity '{config.ZooKeeperIdentity?.User}' ({e.Message}): give this node the identity the cluster's other nodes use";
                case Orleans.Runtime.OrleansConfigurationException:
                    return $"invalid configuration: {e.Message}";
                case IOException when e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase):
                    return $"a port is already in use (web {config.WebPort}, client endpoint {config.ClientEndpointPort}, fabric {config.FabricPort}): {e.Message}";
            }
        }

        return null;
    }
}
