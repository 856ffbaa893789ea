using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace OrleansHa.Node.Tests.Flight;

/// <summary>
/// One real cluster for the Flight tests that change nothing: a master-coordinator and a second coordinator (both
/// executors) on a standalone ZooKeeper, with a CSV source <c>people</c>, a view <c>adults</c> over it and a space
/// <c>shared</c>.
/// </summary>
public sealed class FlightClusterFixture : IAsyncLifetime
{
    public const int People = 3000;
    private static readonly HttpClient Http = TestCredentials.CreateHttpClient(TimeSpan.FromSeconds(30));
    private ZooKeeperServerProcess? _zooKeeper;

    public NodeCluster Cluster { get; private set; } = null!;

    public NodeProcess Master { get; private set; } = null!;

    public NodeProcess Coordinator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _zooKeeper = await ZooKeeperServerProcess.StartStandaloneAsync();
        Cluster = new NodeCluster(_zooKeeper.ConnectionString);
        string data = Path.Combine(Cluster.Root, "people");
        Directory.CreateDirectory(data);
        var csv = new StringBuilder("id,name,age\n");
        for (int i = 1; i <= People; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},person {i},{i % 90}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(data, "people.csv"), csv.ToString());
        Master = await Cluster.StartAsync("m1");
        await NodeCluster.WaitForMasterAsync(Master);
        Coordinator = await Cluster.StartAsync("c2", master: false);
        await PostAsync("/api/v3/catalog/sources", new { name = "people", path = data });
        await PutAsync("/api/v3/catalog/views/adults", new { sql = "SELECT id, name FROM people WHERE age >= 18" });
        await NodeCluster.CreateSpaceAsync(Master, "shared");
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (_zooKeeper is not null)
        {
            await _zooKeeper.DisposeAsync();
        }
    }

    private async Task PostAsync(string path, object body)
    {
        using HttpResponseMessage response = await Http.PostAsJsonAsync(new Uri(Master.WebUrl + path), body);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task PutAsync(string path, object body)
    {
        using HttpResponseMessage response = await Http.PutAsJsonAsync(new Uri(Master.WebUrl + path), body);
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
