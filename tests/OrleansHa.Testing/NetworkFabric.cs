using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;

namespace OrleansHa.Testing;

/// <summary>
/// A small network of hosts on one machine, so that a test can partition real processes from each other: each host
/// is a network namespace with its own IP, joined by a veth pair to a router namespace that forwards between them and
/// the test's own namespace (where the test process, and the ZooKeeper proxies it puts on <see cref="TestAddress"/>,
/// live). Cuts are policy-routing blackhole rules in the router: packets between the two ends vanish silently in both
/// directions (no reset, no ICMP), as in a real partition, while every other pair still talks. Needs root (as CI runs);
/// without it <see cref="CreateAsync"/> fails with the reason rather than letting the test pass unexercised.
/// </summary>
public sealed class NetworkFabric : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);
    private readonly string _id;
    private readonly int _subnet;
    private readonly List<FabricHost> _hosts = [];
    private readonly List<int> _rules = [];
    private int _nextRule = 1000;

    private NetworkFabric(string id, int subnet)
    {
        _id = id;
        _subnet = subnet;
    }

    /// <summary>The test namespace's address on the fabric: hosts reach the test process (and its proxies) here.</summary>
    public IPAddress TestAddress => Address(0, 2);

    public IReadOnlyList<FabricHost> Hosts => _hosts;

    private string Router => $"ohf-{_id}-r";

    private string TestLink => $"ohf{_id}";

    /// <summary>Builds the router and <paramref name="hosts"/> hosts, each reachable from the test and from each other.</summary>
    public static async Task<NetworkFabric> CreateAsync(int hosts)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            throw new InvalidOperationException("A NetworkFabric needs Linux network namespaces and root (as CI runs the suite).");
        }

        var fabric = new NetworkFabric(Guid.NewGuid().ToString("N")[..6], FreeSubnet());
        try
        {
            await fabric.BuildRouterAsync();
            for (int i = 1; i <= hosts; i++)
            {
                await fabric.AddHostAsync(i);
            }
        }
        catch
        {
            await fabric.DisposeAsync();
            throw;
        }

        return fabric;
    }

    /// <summary>Partitions <paramref name="a"/> from <paramref name="b"/>: nothing passes between them, either way.</summary>
    public Task CutAsync(FabricHost a, FabricHost b) =>
        AddRulesAsync([$"from {a.Address} to {b.Address}", $"from {b.Address} to {a.Address}"]);

    /// <summary>Cuts the test process from <paramref name="host"/>'s TCP <paramref name="port"/> alone (both ways), as a grain client cut from one gateway.</summary>
    public Task CutFromTestAsync(FabricHost host, int port) =>
        AddRulesAsync(
            [
                string.Create(CultureInfo.InvariantCulture, $"from {TestAddress} to {host.Address} ipproto tcp dport {port}"),
                string.Create(CultureInfo.InvariantCulture, $"from {host.Address} to {TestAddress} ipproto tcp sport {port}"),
            ]);

    /// <summary>Cuts <paramref name="host"/> from a service the test runs on <see cref="TestAddress"/>:<paramref name="testPort"/> (a ZooKeeper proxy), both ways.</summary>
    public Task CutFromTestServiceAsync(FabricHost host, int testPort) =>
        AddRulesAsync(
            [
                string.Create(CultureInfo.InvariantCulture, $"from {host.Address} to {TestAddress} ipproto tcp dport {testPort}"),
                string.Create(CultureInfo.InvariantCulture, $"from {TestAddress} to {host.Address} ipproto tcp sport {testPort}"),
            ]);

    /// <summary>Heals every cut.</summary>
    public async Task HealAsync()
    {
        foreach (int pref in _rules)
        {
            await IpAsync("-n", Router, "rule", "del", "pref", pref.ToString(CultureInfo.InvariantCulture));
        }

        _rules.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (FabricHost host in _hosts)
        {
            await TryIpAsync("netns", "del", host.Namespace);
        }

        await TryIpAsync("netns", "del", Router);

        // Deleting the router's namespace tears its end of the veth down asynchronously; delete ours so nothing is left.
        await TryIpAsync("link", "del", TestLink);
        await TryIpAsync("route", "del", $"10.{_subnet}.0.0/16");
    }

    private async Task BuildRouterAsync()
    {
        await IpAsync("netns", "add", Router);
        await IpAsync("-n", Router, "link", "set", "lo", "up");
        await ExternalCommand.RunAsync("ip", ["netns", "exec", Router, "sysctl", "-qw", "net.ipv4.ip_forward=1"], CommandTimeout);
        await IpAsync("link", "add", TestLink, "type", "veth", "peer", "name", "r0", "netns", Router);
        await IpAsync("addr", "add", $"{TestAddress}/24", "dev", TestLink);
        await IpAsync("link", "set", TestLink, "up");
        await IpAsync("-n", Router, "addr", "add", $"{Address(0, 1)}/24", "dev", "r0");
        await IpAsync("-n", Router, "link", "set", "r0", "up");
        await IpAsync("route", "add", $"10.{_subnet}.0.0/16", "via", Address(0, 1).ToString());
    }

    private async Task AddHostAsync(int index)
    {
        var host = new FabricHost(string.Create(CultureInfo.InvariantCulture, $"ohf-{_id}-{index}"), Address(index, 2));
        string routerLink = string.Create(CultureInfo.InvariantCulture, $"r{index}");
        await IpAsync("netns", "add", host.Namespace);
        _hosts.Add(host);
        await IpAsync("-n", host.Namespace, "link", "set", "lo", "up");
        await IpAsync("-n", Router, "link", "add", routerLink, "type", "veth", "peer", "name", "eth0", "netns", host.Namespace);
        await IpAsync("-n", Router, "addr", "add", $"{Address(index, 1)}/24", "dev", routerLink);
        await IpAsync("-n", Router, "link", "set", routerLink, "up");
        await IpAsync("-n", host.Namespace, "addr", "add", $"{host.Address}/24", "dev", "eth0");
        await IpAsync("-n", host.Namespace, "link", "set", "eth0", "up");
        await IpAsync("-n", host.Namespace, "route", "add", "default", "via", Address(index, 1).ToString());
    }

    private async Task AddRulesAsync(IEnumerable<string> selectors)
    {
        foreach (string selector in selectors)
        {
            int pref = _nextRule++;
            await IpAsync(["-n", Router, "rule", "add", .. selector.Split(' '), "blackhole", "pref", pref.ToString(CultureInfo.InvariantCulture)]);
            _rules.Add(pref);
        }
    }

    private IPAddress Address(int host, int last) => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.{_subnet}.{host}.{last}"));

    /// <summary>A 10.x.0.0/16 that no interface on this machine uses yet.</summary>
    private static int FreeSubnet()
    {
        var used = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address.GetAddressBytes())
            .Where(b => b.Length == 4 && b[0] == 10)
            .Select(b => (int)b[1])
            .ToHashSet();
        int[] free = [.. Enumerable.Range(64, 190).Where(s => !used.Contains(s))];
        return free[Random.Shared.Next(free.Length)];
    }

    private static async Task IpAsync(params string[] arguments)
    {
        ExternalCommand.Result result = await ExternalCommand.RunAsync("ip", arguments, CommandTimeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed: {result}");
        }
    }

    private static async Task TryIpAsync(params string[] arguments) => await ExternalCommand.RunAsync("ip", arguments, CommandTimeout);
}

/// <summary>One host of a <see cref="NetworkFabric"/>: a network namespace and its address.</summary>
public sealed record FabricHost(string Namespace, IPAddress Address);
