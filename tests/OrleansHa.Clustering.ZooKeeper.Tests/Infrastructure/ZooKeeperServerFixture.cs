using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper.Tests.Infrastructure;

/// <summary>
/// One real standalone ZooKeeper server per test class. Tests never share state on it: each one works under its own
/// fresh root path and cluster id (<see cref="MembershipTableHandle.NewScope"/>).
/// </summary>
public sealed class ZooKeeperServerFixture : IAsyncLifetime
{
    private ZooKeeperServerProcess? _server;

    public ZooKeeperServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>"127.0.0.1:port", without a chroot: paths seen through it are the table's own absolute paths.</summary>
    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync() => _server = await ZooKeeperServerProcess.StartStandaloneAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A plain client of our own, to look at and tamper with the znodes behind the table's back.</summary>
    public Task<ZooKeeperClient> ConnectRawAsync() => ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
    {
        ConnectionString = ConnectionString,
        SessionTimeout = TimeSpan.FromSeconds(4),
        ConnectTimeout = TimeSpan.FromSeconds(20),
    });
}
