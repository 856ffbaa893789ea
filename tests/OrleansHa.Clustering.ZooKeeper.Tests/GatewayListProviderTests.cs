using Orleans;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;
using OrleansHa.Clustering.ZooKeeper.Tests.Infrastructure;
using OrleansHa.Testing;

namespace OrleansHa.Clustering.ZooKeeper.Tests;

/// <summary>The gateway list a grain client gets from the membership rows.</summary>
public sealed class GatewayListProviderTests(ZooKeeperServerFixture zk) : ConformanceTestBase(zk)
{
    private static Uri GatewayUri(MembershipEntry e) =>
        SiloAddress.New(e.SiloAddress.Endpoint.Address, e.ProxyPort, e.SiloAddress.Generation).ToGatewayUri();

    private static string[] Sorted(IEnumerable<Uri> uris) => [.. uris.Select(u => u.ToString()).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task GetGateways_lists_only_active_silos_with_a_proxy_port_as_gateway_uris()
    {
        TableScope scope = NewScope();
        await using var silo = await OpenAsync(scope);
        // The client has its own session and only the gateway provider.
        await using var client = await MembershipTableHandle.CreateAsync(scope, Ct, initialize: false);
        IGatewayListProvider gateways = await client.CreateGatewayListProviderAsync(Ct);
        Assert.Empty(await gateways.GetGatewaysAsync(Ct));

        MembershipEntry active1 = Entries.New(SiloStatus.Active, proxyPort: 31_001);
        MembershipEntry active2 = Entries.New(SiloStatus.Active, proxyPort: 31_002);
        MembershipEntry activeWithoutGateway = Entries.New(SiloStatus.Active, proxyPort: 0);
        MembershipEntry[] notActive =
        [
            .. Enum.GetValues<SiloStatus>().Where(s => s is not SiloStatus.Active and not SiloStatus.None).Select(s => Entries.New(s, proxyPort: 31_100 + (int)s)),
        ];
        foreach (MembershipEntry e in new[] { active1, active2, activeWithoutGateway }.Concat(notActive))
        {
            Assert.True(await silo.Table.InsertRowAsync(e, (await silo.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        }

        IList<Uri> listed = await gateways.GetGatewaysAsync(Ct);

        Assert.Equal(Sorted([GatewayUri(active1), GatewayUri(active2)]), Sorted(listed));
        // The proxy port, not the silo port.
        Assert.All(listed, u => Assert.Contains(u.Port, new[] { 31_001, 31_002 }));
        Assert.DoesNotContain(active1.SiloAddress.ToGatewayUri().ToString(), listed.Select(u => u.ToString()));
    }

    [Fact]
    public async Task GetGateways_follows_silos_joining_and_dying()
    {
        TableScope scope = NewScope();
        await using var silo = await OpenAsync(scope);
        await using var client = await MembershipTableHandle.CreateAsync(scope, Ct, initialize: false);
        IGatewayListProvider gateways = await client.CreateGatewayListProviderAsync(Ct);

        MembershipEntry a = Entries.New(SiloStatus.Joining, proxyPort: 32_001);
        MembershipEntry b = Entries.New(SiloStatus.Active, proxyPort: 32_002);
        Assert.True(await silo.Table.InsertRowAsync(a, (await silo.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        Assert.True(await silo.Table.InsertRowAsync(b, (await silo.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        await ExpectGatewaysAsync(gateways, b);

        await SetStatusAsync(silo, a, SiloStatus.Active);
        await ExpectGatewaysAsync(gateways, a, b);

        await SetStatusAsync(silo, b, SiloStatus.Dead);
        await ExpectGatewaysAsync(gateways, a);

        await SetStatusAsync(silo, a, SiloStatus.ShuttingDown);
        await ExpectGatewaysAsync(gateways);

        // Heartbeats alone never change the list.
        await silo.Table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = b.SiloAddress, IAmAliveTime = DateTime.UtcNow }, Ct);
        Assert.Empty(await gateways.GetGatewaysAsync(Ct));
    }

    [Fact]
    public async Task Provider_asks_for_refreshes_at_the_configured_period_and_each_refresh_reads_the_current_rows()
    {
        TableScope scope = NewScope();
        await using var silo = await OpenAsync(scope);
        await using var client = await MembershipTableHandle.CreateAsync(scope, Ct, initialize: false);
        IGatewayListProvider gateways = await client.CreateGatewayListProviderAsync(Ct, new GatewayOptions { GatewayListRefreshPeriod = TimeSpan.FromSeconds(3) });

        // Orleans refreshes the provider every MaxStaleness; each refresh must see the rows as they are
        // then (no cache of its own), so a gateway that joins is listed on the very next call.
        Assert.Equal(TimeSpan.FromSeconds(3), gateways.MaxStaleness);
        Assert.Empty(await gateways.GetGatewaysAsync(Ct));
        MembershipEntry joined = Entries.New(SiloStatus.Active, proxyPort: 33_001);
        Assert.True(await silo.Table.InsertRowAsync(joined, (await silo.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        Assert.Equal([GatewayUri(joined).ToString()], Sorted(await gateways.GetGatewaysAsync(Ct)));
    }

    private async Task SetStatusAsync(MembershipTableHandle silo, MembershipEntry entry, SiloStatus status)
    {
        MembershipTableData read = await silo.Table.ReadAllAsync(Ct);
        var (row, etag) = Entries.Row(read, entry.SiloAddress);
        MembershipEntry changed = Entries.Copy(row);
        changed.Status = status;
        Assert.True(await silo.Table.UpdateRowAsync(changed, etag, read.Version.Next(), Ct));
    }

    /// <summary>Polls until the provider lists exactly <paramref name="expected"/> (a provider may cache up to MaxStaleness).</summary>
    private async Task ExpectGatewaysAsync(IGatewayListProvider gateways, params MembershipEntry[] expected)
    {
        string[] want = Sorted(expected.Select(GatewayUri));
        string[] last = [];
        try
        {
            await Poll.UntilAsync(
                async () => (last = Sorted(await gateways.GetGatewaysAsync(Ct))).SequenceEqual(want),
                TimeSpan.FromSeconds(10),
                $"gateways [{string.Join(", ", want)}]",
                cancellationToken: Ct);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last listed [{string.Join(", ", last)}]", e);
        }
    }
}
