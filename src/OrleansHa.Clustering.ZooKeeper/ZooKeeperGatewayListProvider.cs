using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;

namespace OrleansHa.Clustering.ZooKeeper;

/// <summary>
/// Gives grain clients the gateways of the Active silos, read from the same membership rows in ZooKeeper:
/// a client needs only the ZooKeeper connection string, never a silo's address.
/// </summary>
/// <remarks>
/// A gateway the cluster finds alive may still be out of this client's reach (a partition between the two alone):
/// its row stays Active, and every call routed to it would wait for the response timeout. So each refresh also tries
/// a TCP connection to every gateway (<see cref="ZooKeeperClusteringOptions.GatewayProbeTimeout"/>) and leaves out
/// those that do not answer; Orleans then closes its connections to them, which fails the calls waiting there at once
/// (the client resubmits what it may) and routes new calls to the gateways it still reaches; the
/// <see cref="SiloDeathWatcher"/> is told of every gateway that leaves the list (out of reach, dead or gone), so that
/// calls waiting there give up at once. Should none answer, all are given, as without the probe: losing every
/// gateway is for Orleans' own reconnection to handle.
/// </remarks>
internal sealed partial class ZooKeeperGatewayListProvider(
    ZooKeeperMembershipTable table,
    IOptions<GatewayOptions> gatewayOptions,
    IOptions<ZooKeeperClusteringOptions> options,
    SiloDeathWatcher deaths,
    ILogger<ZooKeeperGatewayListProvider> logger) : IGatewayListProvider
{
    // What the last refresh found (Orleans refreshes from one timer): a gateway is logged once as it goes out of reach,
    // and one that leaves the list (out of reach, dead or gone) is reported once to the death watcher.
    private HashSet<SiloAddress> _unreachable = [];
    private HashSet<SiloAddress> _listed = [];

    public TimeSpan MaxStaleness => gatewayOptions.Value.GatewayListRefreshPeriod;

    public bool IsUpdatable => true;

    // A client creates nothing: the cluster's znodes are the silos' to create, with the cluster's ACLs, and a client
    // needs no rights beyond reading the rows. Before the first silo made the table there are simply no gateways.
    public Task InitializeGatewayListProvider() => Task.CompletedTask;

    public async Task<IList<Uri>> GetGateways()
    {
        MembershipTableData data;
        try
        {
            data = await table.ReadAll();
        }
        catch (OrleansHa.ZooKeeper.NoNodeException)
        {
            return [];
        }

        (SiloAddress Silo, SiloAddress Gateway)[] gateways =
        [
            .. data.Members
                .Select(member => member.Item1)
                .Where(entry => entry.Status == SiloStatus.Active && entry.ProxyPort != 0)
                .Select(entry => (entry.SiloAddress, SiloAddress.New(entry.SiloAddress.Endpoint.Address, entry.ProxyPort, entry.SiloAddress.Generation))),
        ];
        TimeSpan probeTimeout = options.Value.GatewayProbeTimeout;
        HashSet<SiloAddress> unreachable = [];
        if (probeTimeout > TimeSpan.Zero && gateways.Length > 1)
        {
            bool[] reached = await Task.WhenAll(gateways.Select(g => ReachesAsync(g.Gateway.Endpoint, probeTimeout)));
            if (reached.Contains(true))
            {
                unreachable = [.. gateways.Where((_, i) => !reached[i]).Select(g => g.Silo)];
            }
        }

        foreach (SiloAddress silo in unreachable.Except(_unreachable))
        {
            LogUnreachable(logger, silo, probeTimeout.TotalMilliseconds);
        }

        (SiloAddress Silo, SiloAddress Gateway)[] listed = [.. gateways.Where(g => !unreachable.Contains(g.Silo))];
        SiloAddress[] lost = [.. _listed.Except(listed.Select(g => g.Silo))];
        (_unreachable, _listed) = (unreachable, [.. listed.Select(g => g.Silo)]);
        if (lost.Length > 0)
        {
            deaths.ReportGatewaysLost(lost);
        }

        return [.. listed.Select(g => g.Gateway.ToGatewayUri())];
    }

    private static async Task<bool> ReachesAsync(IPEndPoint endpoint, TimeSpan timeout)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(endpoint, cancel.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The gateway of silo {Silo} is Active in the membership table but did not accept a connection from this client within {TimeoutMs} ms; calls go to the other gateways until it does")]
    private static partial void LogUnreachable(ILogger logger, SiloAddress silo, double timeoutMs);
}
