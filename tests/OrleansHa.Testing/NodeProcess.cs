using System.Globalization;
using System.Net.Http;
using System.Text.RegularExpressions;

namespace OrleansHa.Testing;

/// <summary>
/// A real OrleansHa node (the <c>orleans-ha-node</c> executable) on fresh loopback ports, configured with
/// <c>--set</c> switches, with its output kept for assertions (tenure lines, error messages). The process started is
/// the node's supervisor; the silo runs as its child (<see cref="SiloPid"/>), so a test can crash or hang the silo
/// alone (<see cref="KillSiloAsync"/>, <see cref="PauseSilo"/>) or the whole node, as a crashed or frozen host.
/// </summary>
public sealed partial class NodeProcess : DotnetChildProcess
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Lock _silos = new();
    private readonly List<int> _siloPids = [];
    private readonly bool _supervised;

    private NodeProcess(string name, string address, IReadOnlyList<int> ports, bool supervised, IEnumerable<string> arguments, FabricHost? host)
        : base("orleans-ha-node.dll", arguments, host?.Namespace)
    {
        Name = name;
        Host = host;
        GatewayPort = ports[2];
        _supervised = supervised;
        WebUrl = string.Create(CultureInfo.InvariantCulture, $"http://{address}:{ports[0]}");
        FlightUrl = string.Create(CultureInfo.InvariantCulture, $"http://{address}:{ports[3]}");
    }

    public string Name { get; }

    /// <summary>The port grain clients reach this node's gateway on.</summary>
    public int GatewayPort { get; }

    /// <summary>The fabric host the node runs on, or null when it runs on the test's loopback.</summary>
    public FabricHost? Host { get; }

    /// <summary>The silo process the supervisor runs now (the node's own pid when it runs unsupervised), or null before it started.</summary>
    public int? SiloPid
    {
        get
        {
            lock (_silos)
            {
                return !_supervised ? ProcessId : _siloPids.Count > 0 ? _siloPids[^1] : null;
            }
        }
    }

    /// <summary>How many times the supervisor has started the silo.</summary>
    public int SiloStarts
    {
        get
        {
            lock (_silos)
            {
                return _siloPids.Count;
            }
        }
    }

    public string WebUrl { get; }

    /// <summary>The node's Arrow Flight endpoint (<c>services.flight.port</c>) as a gRPC channel address; served on coordinators.</summary>
    public string FlightUrl { get; }

    /// <summary>
    /// Starts a node. <paramref name="settings"/> are <c>key=value</c> config overrides on top of fresh ports, the
    /// node name and <paramref name="localPath"/> as <c>paths.local</c>; <paramref name="switches"/> are passed as they
    /// are (such as <c>--migrate-zookeeper-acls</c>).
    /// </summary>
    public static NodeProcess Start(string name, string localPath, IEnumerable<string> settings, params string[] switches) =>
        Start(name, localPath, settings, host: null, switches);

    /// <summary>As <see cref="Start(string, string, IEnumerable{string}, string[])"/>, on <paramref name="host"/>'s address (a network namespace of its own) when not null.</summary>
    public static NodeProcess Start(string name, string localPath, IEnumerable<string> settings, FabricHost? host, params string[] switches)
    {
        IReadOnlyList<int> ports = FreePorts.Allocate(4);
        string address = host?.Address.ToString() ?? "127.0.0.1";
        IEnumerable<string> all = new[]
        {
            $"node.name={name}",
            $"node.address={address}",
            $"paths.local={localPath}",
            string.Create(CultureInfo.InvariantCulture, $"services.coordinator.web.port={ports[0]}"),
            string.Create(CultureInfo.InvariantCulture, $"services.fabric.port={ports[1]}"),
            string.Create(CultureInfo.InvariantCulture, $"services.coordinator.client-endpoint.port={ports[2]}"),
            string.Create(CultureInfo.InvariantCulture, $"services.flight.port={ports[3]}"),
            "services.coordinator.master.embedded-zookeeper.enabled=false",
            $"auth.admin.user={TestCredentials.User}",
            $"auth.admin.password={TestCredentials.Password}",
            $"zk.client.auth.file={TestCredentials.ZooKeeperAuthFile}",
        }.Concat(settings);
        bool supervised = !settings.Contains("supervisor.enabled=false", StringComparer.Ordinal);
        return new NodeProcess(name, address, ports, supervised, all.SelectMany(setting => new[] { "--set", setting }).Concat(switches), host);
    }

    /// <summary>Waits until the node's REST API answers server_status (200 or 503), or fails with its output.</summary>
    public Task WaitUntilServingAsync(TimeSpan? timeout = null) =>
        Poll.UntilAsync(
            async () =>
            {
                if (HasExited)
                {
                    throw new InvalidOperationException($"Node {Name} exited with code {ExitCode}:\n{Output}");
                }

                return await ServerStatusAsync() is not null;
            },
            timeout ?? TimeSpan.FromSeconds(60),
            $"node {Name} to serve HTTP");

    /// <summary>SIGKILLs the silo alone (a crash): its supervisor starts it again.</summary>
    public async Task KillSiloAsync()
    {
        int pid = SiloPid ?? throw new InvalidOperationException($"Node {Name} has no silo yet.");
        NativeMethods.SendSignal(pid, NativeMethods.SigKill);
        await Poll.UntilAsync(() => !IsAlive(pid), TimeSpan.FromSeconds(10), $"the silo {pid} of {Name} to die");
    }

    /// <summary>SIGSTOPs the silo alone (a hung silo: GC pause, deadlock, disk stall), leaving its supervisor running.</summary>
    public void PauseSilo() => NativeMethods.SendSignal(SiloPid ?? throw new InvalidOperationException($"Node {Name} has no silo yet."), NativeMethods.SigStop);

    /// <summary>SIGCONTs the silo after <see cref="PauseSilo"/>.</summary>
    public void ResumeSilo() => NativeMethods.SendSignal(SiloPid ?? throw new InvalidOperationException($"Node {Name} has no silo yet."), NativeMethods.SigCont);

    /// <summary>Waits until the supervisor has started the silo more than <paramref name="starts"/> times.</summary>
    public Task WaitForSiloRestartAsync(int starts, TimeSpan timeout) =>
        Poll.UntilAsync(() => SiloStarts > starts, timeout, $"the supervisor of {Name} to start its silo again");

    /// <summary>SIGKILLs the silo and its supervisor together, as a crashed host.</summary>
    /// <remarks>
    /// The supervisor is stopped first so it cannot start the silo again, and the silo is killed before the supervisor:
    /// a silo that outlives its supervisor shuts down gracefully, which is not a crash.
    /// </remarks>
    public override async Task KillAsync()
    {
        if (SiloPid is not { } silo || silo == ProcessId || !IsAlive(silo))
        {
            await base.KillAsync();
            return;
        }

        base.Pause();
        NativeMethods.SendSignal(silo, NativeMethods.SigKill);
        await base.KillAsync();
        await Poll.UntilAsync(() => !IsAlive(silo), TimeSpan.FromSeconds(10), $"the silo {silo} of {Name} to die");
    }

    /// <summary>SIGSTOPs the supervisor and the silo, as a frozen host.</summary>
    public new void Pause()
    {
        base.Pause();
        if (SiloPid is { } pid && pid != ProcessId)
        {
            NativeMethods.SendSignal(pid, NativeMethods.SigStop);
        }
    }

    /// <summary>SIGCONTs the silo and the supervisor.</summary>
    public new void Resume()
    {
        if (SiloPid is { } pid && pid != ProcessId)
        {
            NativeMethods.SendSignal(pid, NativeMethods.SigCont);
        }

        base.Resume();
    }

    protected override void OnOutputLine(string line)
    {
        Match started = SiloStarted().Match(line);
        if (started.Success)
        {
            lock (_silos)
            {
                _siloPids.Add(int.Parse(started.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>The HTTP status of <c>GET /apiv2/server_status</c>, or null when nothing answers.</summary>
    public async Task<int?> ServerStatusAsync()
    {
        try
        {
            using HttpResponseMessage response = await Http.GetAsync(new Uri(WebUrl + "/apiv2/server_status"));
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid) =>
        File.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat")
        && !File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat").Split(' ')[2].StartsWith('Z');

    [GeneratedRegex(@"SUPERVISOR started silo pid=(\d+)")]
    private static partial Regex SiloStarted();
}
