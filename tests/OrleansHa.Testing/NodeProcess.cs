using System.Diagnostics;
using System.Globalization;
using System.Net.Http;

namespace OrleansHa.Testing;

/// <summary>
/// A real OrleansHa node (the <c>orleans-ha-node</c> executable) on fresh loopback ports, configured with
/// <c>--set</c> switches, with its output kept for assertions (tenure lines, error messages).
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly List<string> _output = [];

    private NodeProcess(Process process, string name, int webPort)
    {
        _process = process;
        Name = name;
        WebUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{webPort}");
    }

    public string Name { get; }

    public string WebUrl { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every line the node printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    public string Output => string.Join('\n', Lines.TakeLast(60));

    /// <summary>
    /// Starts a node. <paramref name="settings"/> are <c>key=value</c> config overrides on top of fresh ports, the
    /// node name and <paramref name="localPath"/> as <c>paths.local</c>.
    /// </summary>
    public static NodeProcess Start(string name, string localPath, IEnumerable<string> settings)
    {
        IReadOnlyList<int> ports = FreePorts.Allocate(3);
        string executable = Path.Combine(AppContext.BaseDirectory, "orleans-ha-node.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(executable);
        foreach (string setting in new[]
        {
            $"node.name={name}",
            $"paths.local={localPath}",
            string.Create(CultureInfo.InvariantCulture, $"services.coordinator.web.port={ports[0]}"),
            string.Create(CultureInfo.InvariantCulture, $"services.fabric.port={ports[1]}"),
            string.Create(CultureInfo.InvariantCulture, $"services.coordinator.client-endpoint.port={ports[2]}"),
            "services.coordinator.master.embedded-zookeeper.enabled=false",
        }.Concat(settings))
        {
            start.ArgumentList.Add("--set");
            start.ArgumentList.Add(setting);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the node.");
        ChildProcesses.Add(process);
        var node = new NodeProcess(process, name, ports[0]);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits until the node's REST API answers server_status (200 or 503), or fails with its output.</summary>
    public Task WaitUntilServingAsync(TimeSpan? timeout = null) =>
        Poll.UntilAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"Node {Name} exited with code {_process.ExitCode}:\n{Output}");
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

    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            NativeMethods.SendSignal(_process.Id, NativeMethods.SigKill);
        }

        await _process.WaitForExitAsync();
    }

    public void Pause() => NativeMethods.SendSignal(_process.Id, NativeMethods.SigStop);

    public void Resume() => NativeMethods.SendSignal(_process.Id, NativeMethods.SigCont);

    /// <summary>SIGTERM: the node shuts down gracefully.</summary>
    public void Terminate() => NativeMethods.SendSignal(_process.Id, NativeMethods.SigTerm);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Resume();
            await KillAsync();
        }

        ChildProcesses.Remove(_process);
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }
    }
}
