using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using OrleansHa.Node.Configuration;

namespace OrleansHa.Node;

/// <summary>
/// <c>services.coordinator.master.embedded-zookeeper.enabled</c>: a master-coordinator starts a standalone ZooKeeper
/// (Debian's package) on the embedded port when nothing serves there yet.
/// </summary>
/// <remarks>
/// Dremio runs its embedded ZooKeeper inside the master's JVM, so it dies with the master and takes the cluster's
/// coordination with it: no failover can be shown on it. Here it runs as its own process, in its own session, with
/// its data under <c>paths.local/zookeeper</c>, so it outlives the node that started it and every node of a local
/// cluster can share it. Its pid is in <c>paths.local/zookeeper/pid</c> for whoever stops the cluster. Production
/// clusters should name an external ensemble.
/// </remarks>
internal static class EmbeddedZooKeeper
{
    private const string ZooKeeperJar = "/usr/share/java/zookeeper.jar";
    private const string Slf4jJar = "/usr/share/java/slf4j-simple.jar";

    public static async Task EnsureRunningAsync(NodeConfiguration config, CancellationToken cancellationToken)
    {
        if (!config.MasterEnabled || !config.EmbeddedZooKeeperEnabled || await IsServingAsync(config.EmbeddedZooKeeperPort, cancellationToken))
        {
            return;
        }

        if (!File.Exists(ZooKeeperJar))
        {
            throw new ConfigurationException(
                $"services.coordinator.master.embedded-zookeeper.enabled is true but {ZooKeeperJar} is missing: install Debian's zookeeper package, or disable the embedded ZooKeeper and name an ensemble in 'zookeeper'.");
        }

        string home = Path.Combine(config.PathsLocal, "zookeeper");
        Directory.CreateDirectory(Path.Combine(home, "data"));
        string zooCfg = Path.Combine(home, "zoo.cfg");
        await File.WriteAllTextAsync(zooCfg, string.Create(CultureInfo.InvariantCulture, $"""
            tickTime=500
            dataDir={Path.Combine(home, "data")}
            clientPort={config.EmbeddedZooKeeperPort}
            clientPortAddress=127.0.0.1
            maxClientCnxns=0
            admin.enableServer=false
            4lw.commands.whitelist=srvr,ruok,stat
            autopurge.purgeInterval=1

            """), cancellationToken);

        // setsid: its own session, so it neither dies with this node nor receives the terminal's Ctrl-C meant for it.
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = false };
        foreach (string argument in new[]
        {
            "sh", "-c", "echo $$ > \"$1\"; exec java -Xmx256m -cp \"$2\" org.apache.zookeeper.server.quorum.QuorumPeerMain \"$3\" >> \"$4\" 2>&1", "zk",
            Path.Combine(home, "pid"), $"{ZooKeeperJar}:{Slf4jJar}", zooCfg, Path.Combine(home, "server.log"),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using Process? process = Process.Start(start);
        var waited = Stopwatch.StartNew();
        while (!await IsServingAsync(config.EmbeddedZooKeeperPort, cancellationToken))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new ConfigurationException($"the embedded ZooKeeper on port {config.EmbeddedZooKeeperPort} did not start within 60 s; see {Path.Combine(home, "server.log")}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Whether a ZooKeeper answers the <c>srvr</c> four-letter word on the loopback port.</summary>
    private static async Task<bool> IsServingAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync("srvr"u8.ToArray(), timeout.Token);
            using var reader = new StreamReader(stream);
            string answer = await reader.ReadToEndAsync(timeout.Token);
            return answer.Contains("Mode:", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
