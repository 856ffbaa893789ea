using System.Globalization;
using System.Text;

namespace OrleansHa.Testing;

/// <summary>Renders the zoo.cfg of a test server.</summary>
internal static class ZooKeeperConfig
{
    internal static string Render(
        ZooKeeperServerSettings settings,
        string dataDirectory,
        int clientPort,
        IReadOnlyList<KeyValuePair<string, string>> serverLines)
    {
        var entries = new OrderedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["tickTime"] = Invariant(settings.TickTimeMs),
            ["initLimit"] = Invariant(settings.InitLimit),
            ["syncLimit"] = Invariant(settings.SyncLimit),
            ["minSessionTimeout"] = Invariant(settings.MinSessionTimeoutMs),
            ["maxSessionTimeout"] = Invariant(settings.MaxSessionTimeoutMs),
            ["dataDir"] = dataDirectory,
            ["clientPort"] = Invariant(clientPort),
            ["clientPortAddress"] = "127.0.0.1",
            ["maxClientCnxns"] = "0",
            // Otherwise every server starts Jetty on 0.0.0.0:8080 and the second one on a host collides.
            ["admin.enableServer"] = "false",
            // By default only srvr is allowed.
            ["4lw.commands.whitelist"] = "*",
            ["forceSync"] = settings.ForceSync ? "yes" : "no",
        };
        foreach (var (key, value) in serverLines)
        {
            entries[key] = value;
        }

        if (settings.ExtraConfig is { } extra)
        {
            foreach (var (key, value) in extra)
            {
                entries[key] = value;
            }
        }

        var text = new StringBuilder("# Written by OrleansHa.Testing\n");
        foreach (var (key, value) in entries)
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }

        return text.ToString();
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
