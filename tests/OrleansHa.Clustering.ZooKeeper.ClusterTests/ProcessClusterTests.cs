using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime;
using OrleansHa.TestSilo;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper.ClusterTests;

/// <summary>
/// Real silo processes over real sockets, membership in a real ensemble, and a grain client in this process that
/// was given nothing but the ZooKeeper connection string.
/// </summary>
public sealed class ProcessClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _clusterId = "proc-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<SiloProcess> _silos = [];
    private ZooKeeperEnsemble? _zooKeeper;

    private ZooKeeperEnsemble ZooKeeper => _zooKeeper!;

    public async Task InitializeAsync()
    {
        _zooKeeper = await ZooKeeperEnsemble.StartAsync(3);
        _silos.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(_zooKeeper.ConnectionString, _clusterId))));
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_silos.Select(s => s.DisposeAsync().AsTask()));
        if (_zooKeeper is not null)
        {
            await _zooKeeper.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_given_only_the_zookeeper_string_keeps_working_when_its_gateways_are_sigkilled()
    {
        using IHost host = new HostBuilder()
            .UseOrleansClient(client => client
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = _clusterId;
                    o.ServiceId = "orleansha-test";
                })
                .Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5))
                .UseZooKeeperClustering(o =>
                {
                    o.ConnectionString = ZooKeeper.ConnectionString;
                    o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1);
                }))
            .Build();
        await host.StartAsync();
        IClusterClient client = host.Services.GetRequiredService<IClusterClient>();
        Assert.NotEmpty(await client.GetGrain<IWhereGrain>(1).GetSiloAsync());

        // Two of the three gateways die without a word; calls in flight through them may fail, new ones must not.
        List<SiloProcess> killed = [.. _silos.Take(2)];
        await Task.WhenAll(killed.Select(s => s.KillAsync()));
        string survivor = _silos[2].SiloAddress;

        int answered = 0;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    string where = await client.GetGrain<IWhereGrain>(1000 + answered).GetSiloAsync();
                    Assert.Equal(survivor, where);
                    return ++answered >= 10;
                }
                catch (Exception ex) when (ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or OrleansException)
                {
                    return false;
                }
            },
            Patience,
            "ten calls answered by the surviving silo");

        await using ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(ZooKeeper.ConnectionString);
        await Poll.UntilAsync(
            async () =>
            {
                Dictionary<string, SiloStatus> rows = await MembershipRows.ReadAsync(zk, _clusterId);
                return killed.All(s => rows.GetValueOrDefault(s.SiloAddress) == SiloStatus.Dead) && rows[survivor] == SiloStatus.Active;
            },
            Patience,
            "the killed silos' rows to read Dead");
        await host.StopAsync();
    }
}
