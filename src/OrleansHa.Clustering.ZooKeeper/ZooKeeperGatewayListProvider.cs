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
internal sealed class ZooKeeperGatewayListProvider(ZooKeeperMembershipTable table, IOptions<GatewayOptions> gatewayOptions) : IGatewayListProvider
{
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

        return
        [
            .. data.Members
                .Select(member => member.Item1)
                .Where(entry => entry.Status == SiloStatus.Active && entry.ProxyPort != 0)
                .Select(entry => SiloAddress.New(entry.SiloAddress.Endpoint.Address, entry.ProxyPort, entry.SiloAddress.Generation).ToGatewayUri()),
        ];
    }
}
