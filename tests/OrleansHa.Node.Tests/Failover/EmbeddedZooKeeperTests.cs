using System.Globalization;
using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>A master-coordinator with embedded-zookeeper enabled starts the cluster's ZooKeeper when none is serving.</summary>
public sealed class EmbeddedZooKeeperTests
{
    [Fact]
    public async Task A_lone_master_with_embedded_zookeeper_starts_it_and_becomes_master()
    {
        int port = FreePorts.Allocate();
        string local = Path.Combine(Path.GetTempPath(), "orleansha-nodes", "embedded-" + Guid.NewGuid().ToString("N")[..8]);
        string pidFile = Path.Combine(local, "zookeeper", "pid");
        try
        {
            await using NodeProcess node = NodeProcess.Start("solo", local,
            [
                $"zookeeper=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "services.coordinator.master.embedded-zookeeper.enabled=true",
                $"services.coordinator.master.embedded-zookeeper.port={port.ToString(CultureInfo.InvariantCulture)}",
                "cluster.id=embedded",
            ]);
            await node.WaitUntilServingAsync();
            await Poll.UntilAsync(async () => await node.ServerStatusAsync() == 200, TimeSpan.FromSeconds(60), "the lone node to become master");
            Assert.True(File.Exists(pidFile), "the embedded ZooKeeper's pid file");
        }
        finally
        {
            if (File.Exists(pidFile))
            {
                int pid = int.Parse(await File.ReadAllTextAsync(pidFile), CultureInfo.InvariantCulture);
                try
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                }
            }

            Directory.Delete(local, recursive: true);
        }
    }
}
