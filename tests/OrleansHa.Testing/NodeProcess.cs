using System.Globalization;
using System.Net.Http;

namespace OrleansHa.Testing;

/// <summary>
/// A real OrleansHa node (the <c>orleans-ha-node</c> executable) on fresh loopback ports, configured with
/// <c>--set</c> switches, with its output kept for assertions (tenure lines, error messages).
/// </summary>
public sealed class NodeProcess : DotnetChildProcess
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private NodeProcess(string name, int webPort, IEnumerable<string> arguments)
        : base("orleans-ha-node.dll", arguments)
    {
        Name = name;
        WebUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{webPort}");
    }

    public string Name { get; }

    public string WebUrl { get; }

    /// <summary>
    /// Starts a node. <paramref name="settings"/> are <c>key=value</c> config overrides on top of fresh ports, the
    /// node name and <paramref name="localPath"/> as <c>paths.local</c>.
    /// </summary>
    public static NodeProcess Start(string name, string localPath, IEnumerable<string> settings)
    {
        IReadOnlyList<int> ports = FreePorts.Allocate(3);
        IEnumerable<string> all = new[]
        {
            $"node.name={name}",
            $"paths.local={localPath}",
            string.Create(CultureInfo.InvariantCulture, $"services.coordinator.web.port={ports[0]}"),
            string.Create(CultureInfo.InvariantCulture, $"services.fabric.port={ports[1]}"),
            string.Create(CultureInfo.InvariantCulture, $"services.coordinator.client-endpoint.port={ports[2]}"),
            "services.coordinator.master.embedded-zookeeper.enabled=false",
            $"auth.admin.user={TestCredentials.User}",
            $"auth.admin.password={TestCredentials.Password}",
        }.Concat(settings);
        return new NodeProcess(name, ports[0], all.SelectMany(setting => new[] { "--set", setting }));
    }

    /// <summary>Waits until the node's REST API answers server_status (200 or 503), or fails with its output.</summary>
    public Task WaitUntilServingAsync(TimeSpan? timeout = null) =>
        Poll.UntilAsync(
            async () =>
            {
                if (HasExited)
                {
                    throw new InvalidOperationException($"Node {Name} exited with code {ExitCode}:\n{Output}");
                }

                return await ServerStatusAsync() is not null;
            },
            timeout ?? TimeSpan.FromSeconds(60),
            $"node {Name} to serve HTTP");

    /// <summary>The HTTP status of <c>GET /apiv2/server_status</c>, or null when nothing answers.</summary>
    public async Task<int?> ServerStatusAsync()
    {
        try
        {
            using HttpResponseMessage response = await Http.GetAsync(new Uri(WebUrl + "/apiv2/server_status"));
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
