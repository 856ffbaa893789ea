using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>One real 3-node ZooKeeper ensemble for a class of failover tests; each test brings back what it killed.</summary>
public sealed class EnsembleFixture : IAsyncLifetime
{
    private ZooKeeperEnsemble? _ensemble;

    public ZooKeeperEnsemble Ensemble => _ensemble ?? throw new InvalidOperationException("The ensemble has not started.");

    public async Task InitializeAsync() => _ensemble = await ZooKeeperEnsemble.StartAsync(3);

    public async Task DisposeAsync()
    {
        if (_ensemble is not null)
        {
            await _ensemble.DisposeAsync();
        }
    }

    /// <summary>Brings back what a previous test killed.</summary>
    public Task HealAsync() => Ensemble.HealAsync();
}
