using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime.MembershipService;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.ZooKeeper;

namespace Orleans.Hosting;

/// <summary>Membership in ZooKeeper for silos, and gateway discovery through ZooKeeper for clients.</summary>
public static class ZooKeeperClusteringExtensions
{
    /// <summary>Keeps this silo's membership in ZooKeeper.</summary>
    public static ISiloBuilder UseZooKeeperClustering(this ISiloBuilder builder, Action<ZooKeeperClusteringOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        AddShared(builder.Services);
        builder.Services.AddSingleton<IMembershipTable>(sp => sp.GetRequiredService<ZooKeeperMembershipTable>());
        return builder;
    }

    /// <inheritdoc cref="UseZooKeeperClustering(ISiloBuilder, Action{ZooKeeperClusteringOptions})"/>
    public static ISiloBuilder UseZooKeeperClustering(this ISiloBuilder builder, string connectionString) =>
        builder.UseZooKeeperClustering(options => options.ConnectionString = connectionString);

    /// <summary>
    /// Finds gateways through ZooKeeper: the client needs the ensemble's connection string only. Also registers a
    /// <see cref="SiloDeathWatcher"/>, which does nothing until something watches a silo.
    /// </summary>
    public static IClientBuilder UseZooKeeperClustering(this IClientBuilder builder, Action<ZooKeeperClusteringOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        AddShared(builder.Services);
        builder.Services.AddSingleton<IGatewayListProvider, ZooKeeperGatewayListProvider>();
        builder.Services.AddSingleton(sp => new SiloDeathWatcher(
            sp.GetRequiredService<SharedZooKeeperClient>(),
            sp.GetRequiredService<ZooKeeperMembershipTable>().MembershipPath,
            sp.GetRequiredService<IOptions<ZooKeeperClusteringOptions>>().Value.DeathWatchPollPeriod,
            sp.GetRequiredService<ILogger<SiloDeathWatcher>>()));
        builder.Services.AddOptions<GatewayOptions>()
            .Configure<IOptions<ZooKeeperClusteringOptions>>(
                (gateway, zooKeeper) => gateway.GatewayListRefreshPeriod = zooKeeper.Value.GatewayListRefreshPeriod);
        return builder;
    }

    /// <inheritdoc cref="UseZooKeeperClustering(IClientBuilder, Action{ZooKeeperClusteringOptions})"/>
    public static IClientBuilder UseZooKeeperClustering(this IClientBuilder builder, string connectionString) =>
        builder.UseZooKeeperClustering(options => options.ConnectionString = connectionString);

    private static void AddShared(IServiceCollection services)
    {
        // TryAdd: a host that already made the process's shared session (the node does) keeps it for membership too.
        services.TryAddSingleton(sp => new SharedZooKeeperClient(
            sp.GetRequiredService<IOptions<ZooKeeperClusteringOptions>>().Value.ToClientOptions(sp.GetRequiredService<ILoggerFactory>())));
        services.AddSingleton<ZooKeeperMembershipTable>();
        services.AddSingleton<IConfigurationValidator, ZooKeeperClusteringOptionsValidator>();
    }
}
