using OrleansHa.Abstractions;
using OrleansHa.Client;

namespace OrleansHa.Client.Tests.Infrastructure;

/// <summary>
/// A standalone ZooKeeper server and a <see cref="NodeCluster"/> of real node processes on it, with the roles each
/// test class asks for, and grain clients that know only the ZooKeeper connection string.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<OrleansHaClient> _clients = [];

    private TestCluster(ZooKeeperServerProcess zooKeeper, NodeCluster nodes)
    {
        ZooKeeper = zooKeeper;
        Nodes = nodes;
    }

    /// <summary>The response timeout of the clients made here (shorter than the default, so that a hung call fails a test sooner).</summary>
    public static TimeSpan ClientResponseTimeout { get; } = TimeSpan.FromSeconds(15);

    public ZooKeeperServerProcess ZooKeeper { get; }

    public NodeCluster Nodes { get; }

    /// <summary>Lines the clients logged, for asserting what a user's log would show.</summary>
    public LogLines Log { get; } = new();

    public static async Task<TestCluster> StartAsync()
    {
        ZooKeeperServerProcess zooKeeper = await ZooKeeperServerProcess.StartStandaloneAsync();
        return new TestCluster(zooKeeper, new NodeCluster(zooKeeper.ConnectionString));
    }

    /// <summary>A master-eligible coordinator that runs no queries itself.</summary>
    public Task<NodeProcess> StartMasterAsync(string name) => Nodes.StartAsync(name, true, "services.executor.enabled=false");

    /// <summary>Executor-only nodes, started together.</summary>
    public Task<NodeProcess[]> StartExecutorsAsync(params string[] names) =>
        Task.WhenAll(names.Select(name => Nodes.StartAsync(name, false, "services.coordinator.enabled=false", "services.executor.enabled=true")));

    /// <summary>A client given only the ZooKeeper string; disposed with the cluster.</summary>
    public async Task<OrleansHaClient> ConnectAsync(Action<OrleansHaClientOptions>? configure = null)
    {
        var options = new OrleansHaClientOptions
        {
            ClusterId = Nodes.ClusterId,
            UserName = TestCredentials.User,
            Password = TestCredentials.Password,
            LoggerFactory = Log,
            ResponseTimeout = ClientResponseTimeout,
        };
        configure?.Invoke(options);
        OrleansHaClient client = await OrleansHaClient.ConnectAsync(ZooKeeper.ConnectionString, options);
        _clients.Add(client);
        return client;
    }

    /// <summary>Waits until the client sees an active master and the named nodes Active.</summary>
    public static async Task<ClusterStatus> WaitForAsync(OrleansHaClient client, params string[] nodes)
    {
        ClusterStatus? status = null;
        await Poll.UntilAsync(
            async () =>
            {
                status = await client.GetClusterStatusAsync();
                return status.Master is not null && nodes.All(n => status.Nodes.Any(s => s.Name == n && s.Status == "Active"));
            },
            TimeSpan.FromSeconds(60),
            $"an active master and nodes {string.Join(", ", nodes)} to be Active");
        return status!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (OrleansHaClient client in _clients)
        {
            await client.DisposeAsync();
        }

        await Nodes.DisposeAsync();
        await ZooKeeper.DisposeAsync();
        Log.Dispose();
    }
}
