using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>A node that cannot start says why in one line and exits non-zero, before it joins anything.</summary>
public sealed class StartupFailureTests
{
    private const int StartupFailedExitCode = 2;

    [Fact]
    public async Task A_config_error_names_the_key_and_exits_non_zero()
    {
        await using NodeProcess node = NodeProcess.Start("bad-config", TempPath(), ["services.fabric.port=abc", "zookeeper=127.0.0.1:1"]);
        Assert.Equal(StartupFailedExitCode, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(node.Lines, l => l.Contains("services.fabric.port", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unwritable_paths_db_is_refused_with_its_path()
    {
        await using NodeProcess node = NodeProcess.Start("bad-db", TempPath(), ["paths.db=/proc/orleans-ha-cannot-write/db", "zookeeper=127.0.0.1:1"]);
        Assert.Equal(StartupFailedExitCode, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(node.Lines, l => l.Contains("paths.db '/proc/orleans-ha-cannot-write/db' is not writable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_zookeeper_fails_the_start_naming_the_connection_string()
    {
        string unreachable = $"127.0.0.1:{FreePorts.Allocate()}";
        await using NodeProcess node = NodeProcess.Start("no-zk", TempPath(), [$"zookeeper={unreachable}", "zk.client.session.timeout=2000", "supervisor.enabled=false"]);
        Assert.Equal(StartupFailedExitCode, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(node.Lines, l => l.Contains($"cannot reach ZooKeeper at '{unreachable}'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_supervised_node_keeps_starting_its_silo_while_zookeeper_is_unreachable()
    {
        // An outage of the ensemble must not leave a node down for good once the ensemble is back.
        string unreachable = $"127.0.0.1:{FreePorts.Allocate()}";
        await using NodeProcess node = NodeProcess.Start(
            "no-zk-supervised", TempPath(), [$"zookeeper={unreachable}", "zk.client.session.timeout=2000", "supervisor.restart.delay=100ms"]);
        await node.WaitForSiloRestartAsync(1, TimeSpan.FromSeconds(60));
        Assert.Contains(node.Lines, l => l.Contains($"cannot reach ZooKeeper at '{unreachable}'", StringComparison.Ordinal));
        Assert.Contains(node.Lines, l => l.Contains($"exited with code {StartupFailedExitCode}; restarting", StringComparison.Ordinal));
        Assert.False(node.HasExited);
    }

    private static string TempPath() => Path.Combine(Path.GetTempPath(), "orleansha-nodes", "start-" + Guid.NewGuid().ToString("N")[..8]);
}
