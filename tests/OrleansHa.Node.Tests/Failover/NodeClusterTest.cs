using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansHa.Clustering.ZooKeeper;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>
/// A test class whose tests each get a fresh cluster of real node processes on the class's ensemble, which is first
/// healed of whatever the previous test killed.
/// </summary>
public abstract class NodeClusterTest(EnsembleFixture zk) : IClassFixture<EnsembleFixture>, IAsyncLifetime
{
    protected EnsembleFixture ZooKeeper { get; } = zk;

    internal NodeCluster Cluster { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        await ZooKeeper.HealAsync();
        Cluster = new NodeCluster(ZooKeeper.Ensemble.ConnectionString);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>A grain client built by hand, as any application could: no login of its own, no token unless the test sets one.</summary>
    protected async Task<IHost> StartRawClientAsync()
    {
        IHost host = new HostBuilder()
            .UseOrleansClient(client => client
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = Cluster.ClusterId;
                    o.ServiceId = "orleans-ha";
                })
                .UseZooKeeperClustering(o => o.ConnectionString = ZooKeeper.Ensemble.ConnectionString))
            .Build();
        await host.StartAsync();
        return host;
    }
}
