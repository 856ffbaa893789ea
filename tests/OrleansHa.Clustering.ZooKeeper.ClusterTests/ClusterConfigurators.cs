using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace OrleansHa.Clustering.ZooKeeper.ClusterTests;

/// <summary>Silos of the test cluster keep their membership in the ZooKeeper named in the cluster's configuration.</summary>
public sealed class ZooKeeperSiloConfigurator : ISiloConfigurator
{
    public const string ConnectionStringKey = "ZooKeeperConnectionString";

    public void Configure(ISiloBuilder siloBuilder)
    {
        string connectionString = siloBuilder.Configuration[ConnectionStringKey]
            ?? throw new InvalidOperationException($"The test cluster has no {ConnectionStringKey}.");
        siloBuilder.UseZooKeeperClustering(options =>
        {
            options.ConnectionString = connectionString;
            options.SessionTimeout = TimeSpan.FromSeconds(4);
        });
        siloBuilder.Configure<ClusterMembershipOptions>(FastMembership.Apply);
    }
}

/// <summary>The cluster's client finds gateways through ZooKeeper only.</summary>
public sealed class ZooKeeperClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
    {
        string connectionString = configuration[ZooKeeperSiloConfigurator.ConnectionStringKey]
            ?? throw new InvalidOperationException($"The test cluster has no {ZooKeeperSiloConfigurator.ConnectionStringKey}.");
        clientBuilder.UseZooKeeperClustering(options =>
        {
            options.ConnectionString = connectionString;
            options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1);
        });
    }
}

/// <summary>Failure detection fast enough for tests (the Orleans notes' recommendation).</summary>
public static class FastMembership
{
    public static void Apply(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 2;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
    }
}
