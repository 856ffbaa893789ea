using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansHa.Operations.Tests;

/// <summary>One standalone ZooKeeper server for a test class; each test gets its own cluster root on it.</summary>
public sealed class ZooKeeperFixture : IAsyncLifetime
{
    private ZooKeeperServerProcess? _server;

    public string ConnectionString => (_server ?? throw new InvalidOperationException("ZooKeeper has not started.")).ConnectionString;

    public async Task InitializeAsync() => _server = await ZooKeeperServerProcess.StartStandaloneAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>A test class whose tests each get a fresh <see cref="NodeCluster"/> of real node processes.</summary>
public abstract class OperationsTest(ZooKeeperFixture zooKeeper) : IClassFixture<ZooKeeperFixture>, IAsyncLifetime
{
    protected ZooKeeperFixture ZooKeeper { get; } = zooKeeper;

    protected NodeCluster Cluster { get; private set; } = null!;

    public virtual Task InitializeAsync()
    {
        Cluster = new NodeCluster(ZooKeeper.ConnectionString);
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>A token from <c>POST /apiv2/login</c> at <paramref name="baseUrl"/> (a node or nginx).</summary>
    protected static async Task<string> LoginAsync(HttpClient http, string baseUrl)
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri(baseUrl + "/apiv2/login"), new { userName = TestCredentials.User, password = TestCredentials.Password });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"login at {baseUrl}: {(int)response.StatusCode} {body}");
        using JsonDocument json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("token").GetString()!;
    }
}
