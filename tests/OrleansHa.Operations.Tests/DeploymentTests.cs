using System.Globalization;
using System.Net;
using Xunit.Abstractions;

namespace OrleansHa.Operations.Tests;

/// <summary>scripts/publish's layout, put where the unit expects it (/opt/orleans-ha under a scratch root), once per class.</summary>
public sealed class PublishedLayout : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "orleansha-deploy", Guid.NewGuid().ToString("N")[..10]);

    public string Install => Path.Combine(Root, "opt", "orleans-ha");

    public async Task InitializeAsync()
    {
        ExternalCommand.Result publish = await ExternalCommand.RunAsync("bash", [RepositoryFiles.PathOf("scripts/publish"), Install], TimeSpan.FromMinutes(8));
        Assert.True(publish.ExitCode == 0, $"scripts/publish: {publish}");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>What an operator deploys: the published node and CLI, and the systemd unit, checked by systemd itself.</summary>
public sealed class DeploymentTests(ZooKeeperFixture zooKeeper, PublishedLayout layout, ITestOutputHelper output) : OperationsTest(zooKeeper), IClassFixture<PublishedLayout>
{
    private const string Instance = "orleans-ha-node@ha1.service";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task The_published_node_runs_as_the_unit_starts_it_tells_systemd_ready_and_alive_and_the_published_cli_sees_it_master()
    {
        IReadOnlyList<int> ports = FreePorts.Allocate(4);
        string data = Path.Combine(Cluster.Root, "ha1");

        // systemd's side of Type=notify and WatchdogSec=2s: a datagram socket named by NOTIFY_SOCKET, and WATCHDOG_USEC.
        using var systemd = new OrleansHa.Node.Supervision.HeartbeatListener(TimeProvider.System);
        var notifyEnvironment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = systemd.Address, ["WATCHDOG_USEC"] = "2000000" };
        await using ExternalCommand.Running node = ExternalCommand.Start(Path.Combine(layout.Install, "node", "orleans-ha-node"),
        [
            "--config", Path.Combine(layout.Install, "etc", "node.conf"),
            .. new[]
            {
                // As the unit's ExecStart: systemd is the supervisor.
                "supervisor.enabled=false",
                // What differs on this machine from the sample's ha1: loopback, a test ZooKeeper, scratch paths, free ports.
                "node.address=127.0.0.1", $"zookeeper={ZooKeeper.ConnectionString}", $"cluster.id={Cluster.ClusterId}",
                $"paths.local={data}", $"paths.db={Path.Combine(data, "db")}", $"paths.dist={Path.Combine(data, "dist")}",
                $"services.coordinator.web.port={ports[0]}", $"services.fabric.port={ports[1]}", $"services.coordinator.client-endpoint.port={ports[2]}",
                $"services.flight.port={ports[3]}", $"auth.admin.password={TestCredentials.Password}",
            }.SelectMany(s => new[] { "--set", s }),
        ], notifyEnvironment);
        string web = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{ports[0]}");
        await Poll.UntilAsync(
            async () =>
            {
                Assert.False(node.HasExited, $"the published node exited:\n{node.Output}");
                try
                {
                    using HttpResponseMessage ready = await Http.GetAsync(new Uri(web + "/health/ready"));
                    return ready.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(90),
            "the published node to be ready");

        // READY=1 once it serves, then WATCHDOG=1 from the heartbeat, at least every half WatchdogSec.
        await Poll.UntilAsync(() => systemd.ReadyAt is not null, TimeSpan.FromSeconds(30), $"READY=1 on NOTIFY_SOCKET\n{node.Output}");
        long ready = systemd.ReadyAt!.Value;
        await Poll.UntilAsync(() => systemd.LastHeartbeat > ready, TimeSpan.FromSeconds(10), $"WATCHDOG=1 after READY=1\n{node.Output}");
        long firstBeat = systemd.LastHeartbeat!.Value;
        await Poll.UntilAsync(() => systemd.LastHeartbeat > firstBeat, TimeSpan.FromSeconds(3), $"a second WATCHDOG=1 within the 2 s watchdog\n{node.Output}");
        output.WriteLine($"NOTIFY_SOCKET heard READY=1, then WATCHDOG=1 twice; status {systemd.Status}");

        ExternalCommand.Result status = await ExternalCommand.RunAsync(
            Path.Combine(layout.Install, "cli", "orleans-ha"),
            ["--zookeeper", ZooKeeper.ConnectionString, "--cluster", Cluster.ClusterId, "--user", TestCredentials.User, "--password", TestCredentials.Password, "status"],
            TimeSpan.FromSeconds(60));
        Assert.True(status.ExitCode == 0, $"orleans-ha status: {status}\nnode:\n{node.Output}");
        Assert.Contains("master:   ha1 (epoch 1,", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Systemd_verifies_the_unit_and_would_refuse_a_broken_one()
    {
        // systemd-analyze resolves everything under --root: its own units, the unit, and the ExecStart binary.
        CopyDirectory("/usr/lib/systemd/system", Path.Combine(layout.Root, "usr", "lib", "systemd", "system"));
        string units = Path.Combine(layout.Root, "etc", "systemd", "system");
        Directory.CreateDirectory(units);
        string unit = Path.Combine(units, "orleans-ha-node@.service");
        File.Copy(Path.Combine(layout.Install, "systemd", "orleans-ha-node@.service"), unit, overwrite: true);

        ExternalCommand.Result verified = await VerifyAsync();
        output.WriteLine($"systemd-analyze verify {Instance}: {verified}");
        Assert.True(verified.ExitCode == 0 && verified.Stdout.Length == 0 && verified.Stderr.Length == 0, $"systemd-analyze verify: {verified}");

        string text = await File.ReadAllTextAsync(unit);
        foreach (string setting in new[] { "Type=notify", "WatchdogSignal=SIGKILL", "Restart=always", "--set supervisor.enabled=false", "/etc/orleans-ha/%i.conf" })
        {
            Assert.Contains(setting, text, StringComparison.Ordinal);
        }

        // The same check fails on a unit with a typo, so a green run means something.
        await File.WriteAllTextAsync(unit, text.Replace("WatchdogSec=", "WatchdogSecs=", StringComparison.Ordinal));
        ExternalCommand.Result broken = await VerifyAsync();
        Assert.Contains("Unknown key 'WatchdogSecs'", broken.Stderr + broken.Stdout, StringComparison.Ordinal);
    }

    private Task<ExternalCommand.Result> VerifyAsync() =>
        ExternalCommand.RunAsync("systemd-analyze", ["verify", "--root=" + layout.Root, Instance], TimeSpan.FromSeconds(60));

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (new FileInfo(file).LinkTarget is { } link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else
            {
                File.Copy(file, target, overwrite: true);
            }
        }
    }
}
