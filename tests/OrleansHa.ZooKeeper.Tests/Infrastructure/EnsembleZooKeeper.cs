using OrleansHa.Testing;

namespace OrleansHa.ZooKeeper.Tests.Infrastructure;

/// <summary>
/// A real 3-node ensemble on loopback shared by a fault-test class. Tests kill and stop members; each test starts by
/// bringing every member back and waiting for a quorum, so tests do not inherit each other's damage.
/// </summary>
public sealed class EnsembleZooKeeper : IAsyncLifetime
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

    /// <summary>Brings back what earlier tests stopped or killed, then makes a fresh root.</summary>
    public async Task<string> HealAndCreateRootAsync()
    {
        await Ensemble.HealAsync();
        return await TestRoots.CreateAsync(Ensemble.ConnectionString);
    }

    /// <summary>The member <paramref name="client"/> is connected to.</summary>
    public ZooKeeperServerProcess ServerOf(ZooKeeperClient client)
    {
        int port = client.ConnectedServer?.Port ?? throw new InvalidOperationException("The client is not connected.");
        return Ensemble.ServerWithClientPort(port) ?? throw new InvalidOperationException($"No member listens on {port}.");
    }
}
