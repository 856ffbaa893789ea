using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

namespace OrleansHa.ZooKeeper.Tests.Infrastructure;

/// <summary>One real standalone ZooKeeper server shared by a test class; each test works under a fresh chroot.</summary>
public sealed class StandaloneZooKeeper : IAsyncLifetime
{
    private ZooKeeperServerProcess? _server;

    public ZooKeeperServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await ZooKeeperServerProcess.StartStandaloneAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Creates a fresh root node and returns a connection string chrooted to it.</summary>
    public Task<string> NewRootAsync() => TestRoots.CreateAsync(Server.ConnectionString);
}

/// <summary>Fresh roots and client options for tests.</summary>
public static class TestRoots
{
    /// <summary>Creates <c>/t-&lt;guid&gt;</c> through <paramref name="connectionString"/> and returns the string chrooted to it.</summary>
    public static async Task<string> CreateAsync(string connectionString)
    {
        string root = "/t-" + Guid.NewGuid().ToString("N");
        await using ZooKeeperClient admin = await ZooKeeperClient.ConnectAsync(Options(connectionString));
        await admin.CreateAsync(root, null);
        return connectionString + root;
    }

    /// <summary>Options with test-sized timeouts.</summary>
    public static ZooKeeperClientOptions Options(string connectionString, TimeSpan? sessionTimeout = null) => new()
    {
        ConnectionString = connectionString,
        SessionTimeout = sessionTimeout ?? TimeSpan.FromSeconds(4),
        ConnectTimeout = TimeSpan.FromSeconds(20),
    };

    public static Task<ZooKeeperClient> ConnectAsync(string connectionString, TimeSpan? sessionTimeout = null) =>
        ZooKeeperClient.ConnectAsync(Options(connectionString, sessionTimeout));
}
