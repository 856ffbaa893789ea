using Orleans.Runtime;
using OrleansHa.TestSilo;
using OrleansHa.Testing;
using Orleans.TestingHost;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper.ClusterTests;

/// <summary>
/// Silos that form, heal and are found through a real 3-node ZooKeeper ensemble. The test cluster's own membership
/// is off: ours is the only one.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private ZooKeeperEnsemble? _zooKeeper;
    private TestCluster? _cluster;

    private ZooKeeperEnsemble ZooKeeper => _zooKeeper!;

    private TestCluster Cluster => _cluster!;

    public async Task InitializeAsync()
    {
        _zooKeeper = await ZooKeeperEnsemble.StartAsync(3);
        var builder = new TestClusterBuilder(3);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ClusterId = "cluster-" + Guid.NewGuid().ToString("N")[..8];
        builder.Properties[ZooKeeperSiloConfigurator.ConnectionStringKey] = _zooKeeper.ConnectionString;
        builder.AddSiloBuilderConfigurator<ZooKeeperSiloConfigurator>();
        builder.AddClientBuilderConfigurator<ZooKeeperClientConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_zooKeeper is not null)
        {
            await _zooKeeper.DisposeAsync();
        }
    }

    [Fact]
    public async Task Silos_form_a_cluster_and_a_killed_silo_is_marked_dead_in_zookeeper()
    {
        await using ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(ZooKeeper.ConnectionString);
        await Poll.UntilAsync(async () => (await ReadStatusesAsync(zk)).Count(s => s == SiloStatus.Active) == 3, Patience, "three Active rows");

        SiloHandle victim = Cluster.Silos[^1];
        string victimRow = victim.SiloAddress.ToParsableString();
        await Cluster.KillSiloAsync(victim);

        await Poll.UntilAsync(async () => (await ReadRowsAsync(zk)).TryGetValue(victimRow, out SiloStatus s) && s == SiloStatus.Dead, Patience, "the killed silo's row to read Dead");
    }

    [Fact]
    public async Task A_grain_on_a_killed_silo_reactivates_elsewhere_and_the_client_keeps_working()
    {
        IWhereGrain grain = Cluster.Client.GetGrain<IWhereGrain>(7);
        string first = await grain.GetSiloAsync();
        SiloHandle host = Cluster.Silos.Single(s => s.SiloAddress.ToParsableString() == first);

        await Cluster.KillSiloAsync(host);

        string? second = null;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    second = await grain.GetSiloAsync();
                    return second != first;
                }
                catch (Exception ex) when (ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
                {
                    return false;
                }
            },
            Patience,
            "the grain to answer from another silo");
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task The_client_finds_gateways_through_zookeeper_and_keeps_working_when_two_of_three_die()
    {
        // The cluster's client is configured with the ZooKeeper connection string only (ZooKeeperClientConfigurator).
        IClusterClient client = Cluster.Client;
        Assert.NotEmpty(await client.GetGrain<IWhereGrain>(1).GetSiloAsync());

        foreach (SiloHandle gateway in Cluster.Silos.Take(2).ToList())
        {
            await Cluster.KillSiloAsync(gateway);
        }

        // Calls that were in flight through a dead gateway may fail; new calls go through the one left.
        int answered = 0;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    await client.GetGrain<IWhereGrain>(1000 + answered).GetSiloAsync().WaitAsync(TimeSpan.FromSeconds(5));
                    return ++answered >= 10;
                }
                catch (Exception ex) when (ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or OrleansException)
                {
                    return false;
                }
            },
            Patience,
            "ten calls answered after two of three gateways died");
    }

    [Fact]
    public async Task A_new_silo_joins_through_zookeeper()
    {
        SiloHandle added = await Cluster.StartAdditionalSiloAsync();
        await using ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(ZooKeeper.ConnectionString);
        string row = added.SiloAddress.ToParsableString();
        await Poll.UntilAsync(async () => (await ReadRowsAsync(zk)).TryGetValue(row, out SiloStatus s) && s == SiloStatus.Active, Patience, "the new silo's row to read Active");
    }

    [Fact]
    public async Task Killing_one_zookeeper_member_disturbs_nothing()
    {
        IWhereGrain grain = Cluster.Client.GetGrain<IWhereGrain>(11);
        await grain.GetSiloAsync();
        await ZooKeeper.Servers[0].KillAsync();

        // Calls keep working and no silo is declared dead while ZooKeeper still has a quorum.
        for (int i = 0; i < 20; i++)
        {
            await Cluster.Client.GetGrain<IWhereGrain>(100 + i).GetSiloAsync();
        }

        string others = string.Join(',', ZooKeeper.Servers.Skip(1).Select(s => s.ConnectionString));
        await using ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(others);
        IReadOnlyList<SiloStatus> statuses = await ReadStatusesAsync(zk);
        Assert.Equal(3, statuses.Count(s => s == SiloStatus.Active));
    }

    private async Task<IReadOnlyList<SiloStatus>> ReadStatusesAsync(ZooKeeperClient zk) => [.. (await ReadRowsAsync(zk)).Values];

    private Task<Dictionary<string, SiloStatus>> ReadRowsAsync(ZooKeeperClient zk) => MembershipRows.ReadAsync(zk, Cluster.Options.ClusterId);
}
