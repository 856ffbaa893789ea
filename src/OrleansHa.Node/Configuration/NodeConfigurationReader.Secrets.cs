using OrleansHa.ZooKeeper;
using Keys = OrleansHa.Node.Configuration.NodeConfigurationKeys;

namespace OrleansHa.Node.Configuration;

/// <summary>
/// The node's secrets: the cluster's ZooKeeper identity (from a file, or from a key set in a file or the environment,
/// never the command line), and the files of its TLS identity.
/// </summary>
internal sealed partial class NodeConfigurationReader
{
    private OrleansHa.Coordination.ClusterTlsFiles? ReadTlsFiles()
    {
        if (!ReadBoolean(Keys.TlsEnabled, false))
        {
            return null;
        }

        string[] paths = [.. new[] { Keys.TlsCa, Keys.TlsCertificate, Keys.TlsKey }.Select(key =>
        {
            if (Value(key, report: false) is null)
            {
                Report(OriginOf(Keys.TlsEnabled), key, $"{Keys.TlsEnabled} is true, so this PEM file must be named");
                return string.Empty;
            }

            return ReadString(key, string.Empty);
        })];
        return paths.Any(p => p.Length == 0) ? null : new OrleansHa.Coordination.ClusterTlsFiles(paths[0], paths[1], paths[2]);
    }

    private DigestIdentity? ReadZooKeeperIdentity()
    {
        ConfigValue? fileValue = Value(Keys.ZooKeeperAuthFile, report: false);
        ConfigValue? digestValue = Value(Keys.ZooKeeperAuthDigest, report: false);
        if (fileValue is not null && digestValue is not null)
        {
            Report(digestValue.Origin, Keys.ZooKeeperAuthDigest, $"set either {Keys.ZooKeeperAuthFile} or {Keys.ZooKeeperAuthDigest}, not both");
            return null;
        }

        if (digestValue is not null)
        {
            if (digestValue.Origin.Description.StartsWith("command line", StringComparison.Ordinal))
            {
                // The origin's description would show the secret itself; the key alone says enough.
                Report(ConfigOrigin.Other("command line"), Keys.ZooKeeperAuthDigest,
                    $"must not be given on the command line, where every user of the machine can read it: put it in {Keys.ZooKeeperAuthFile} (mode 0600) or ORLEANSHA__zk__client__auth__digest");
                return null;
            }

            string text = ReadString(Keys.ZooKeeperAuthDigest, string.Empty);
            return ParseIdentity(text, digestValue.Origin, Keys.ZooKeeperAuthDigest, $"{Keys.ZooKeeperAuthDigest}");
        }

        if (fileValue is null)
        {
            return null;
        }

        string file = ReadString(Keys.ZooKeeperAuthFile, string.Empty);
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            {
                Report(fileValue.Origin, Keys.ZooKeeperAuthFile, $"'{file}' may be read by other users of the machine; make it readable by the node's user alone (chmod 600)");
                return null;
            }

            return ParseIdentity(File.ReadAllText(file), fileValue.Origin, Keys.ZooKeeperAuthFile, $"the file '{file}'");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Report(fileValue.Origin, Keys.ZooKeeperAuthFile, $"cannot read '{file}': {ex.Message}");
            return null;
        }
    }

    private DigestIdentity? ParseIdentity(string text, ConfigOrigin origin, string key, string where)
    {
        try
        {
            return DigestIdentity.Parse(text);
        }
        catch (FormatException)
        {
            Report(origin, key, $"{where} must hold the cluster's ZooKeeper identity as 'user:password' (one line)");
            return null;
        }
    }
}
