using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using OrleansHa.ZooKeeper;
using Orleans.Configuration;
using Orleans.Messaging;

namespace OrleansHa.Clustering.ZooKeeper.Tests.Infrastructure;

/// <summary>Where one test's table lives: a fresh root path and a fresh cluster id.</summary>
public sealed record TableScope(string ConnectionString, string RootPath, string ClusterId);

/// <summary>
/// One membership table instance over its own <see cref="SharedZooKeeperClient"/>, i.e. its own ZooKeeper session,
/// as one silo would have it. Several handles on the same <see cref="TableScope"/> are several silos of one cluster.
/// </summary>
internal sealed class MembershipTableHandle : IAsyncDisposable
{
    private MembershipTableHandle(TableScope scope, SharedZooKeeperClient shared, ZooKeeperMembershipTable table)
    {
        Scope = scope;
        Shared = shared;
        Concrete = table;
    }

    public TableScope Scope { get; }

    public SharedZooKeeperClient Shared { get; }

    /// <summary>The table as Orleans sees it (the cancellation-aware methods are reached through the interface).</summary>
    public IMembershipTable Table => Concrete;

    public ZooKeeperMembershipTable Concrete { get; }

    public static TableScope NewScope(ZooKeeperServerFixture zk) =>
        new(zk.ConnectionString, "/t-" + Guid.NewGuid().ToString("N"), "c-" + Guid.NewGuid().ToString("N"));

    /// <summary>Creates the table and, unless told otherwise, initializes it (creating the znodes as a silo would).</summary>
    public static async Task<MembershipTableHandle> CreateAsync(
        TableScope scope,
        CancellationToken cancellationToken,
        bool initialize = true,
        string? clusterId = null)
    {
        IOptions<ZooKeeperClusteringOptions> options = Options.Create(new ZooKeeperClusteringOptions
        {
            ConnectionString = scope.ConnectionString,
            RootPath = scope.RootPath,
            SessionTimeout = TimeSpan.FromSeconds(4),
            ConnectTimeout = TimeSpan.FromSeconds(20),
        });
        IOptions<ClusterOptions> cluster = Options.Create(new ClusterOptions
        {
            ClusterId = clusterId ?? scope.ClusterId,
            ServiceId = "conformance",
        });
        var shared = new SharedZooKeeperClient(options.Value.ToClientOptions(NullLoggerFactory.Instance));
        var table = new ZooKeeperMembershipTable(shared, options, cluster, NullLogger<ZooKeeperMembershipTable>.Instance);
        var handle = new MembershipTableHandle(scope, shared, table);
        if (initialize)
        {
            try
            {
                await handle.Table.InitializeMembershipTableAsync(tryInitTableVersion: true, cancellationToken);
            }
            catch
            {
                await handle.DisposeAsync();
                throw;
            }
        }

        return handle;
    }

    /// <summary>
    /// A gateway list provider reading this handle's table, initialized; without the reachability probe (the rows'
    /// gateways are made up), which GatewayCutTests exercises against real ones.
    /// </summary>
    public async Task<IGatewayListProvider> CreateGatewayListProviderAsync(CancellationToken cancellationToken, GatewayOptions? gatewayOptions = null)
    {
        IGatewayListProvider provider = new ZooKeeperGatewayListProvider(
            Concrete,
            Options.Create(gatewayOptions ?? new GatewayOptions()),
            Options.Create(new ZooKeeperClusteringOptions { GatewayProbeTimeout = TimeSpan.Zero }),
            new SiloDeathWatcher(Shared, Concrete.MembershipPath, TimeSpan.FromSeconds(2), NullLogger<SiloDeathWatcher>.Instance),
            NullLogger<ZooKeeperGatewayListProvider>.Instance);
        await provider.InitializeGatewayListProviderAsync(cancellationToken);
        return provider;
    }

    public ValueTask DisposeAsync() => Shared.DisposeAsync();
}
