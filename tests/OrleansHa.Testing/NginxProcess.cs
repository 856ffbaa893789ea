using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace OrleansHa.Testing;

/// <summary>
/// Debian's real nginx (<c>/usr/sbin/nginx</c>) in front of coordinators, run with <c>silo-config/nginx.conf</c> as
/// <c>scripts/nginx-conf</c> renders it for a fresh loopback port, in its own run directory.
/// </summary>
public sealed class NginxProcess : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/nginx";
    private readonly Process _process;
    private readonly string _directory;

    private NginxProcess(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
    }

    /// <summary>Where nginx listens, e.g. http://127.0.0.1:12345.</summary>
    public string Url { get; }

    /// <summary>What nginx wrote to its error log so far, for failure messages.</summary>
    public string ErrorLog => File.Exists(Path.Combine(_directory, "error.log")) ? File.ReadAllText(Path.Combine(_directory, "error.log")) : string.Empty;

    /// <summary>Starts nginx over <paramref name="coordinatorWebUrls"/> (http://host:port) and waits until it accepts connections.</summary>
    public static async Task<NginxProcess> StartAsync(IEnumerable<string> coordinatorWebUrls)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run scripts/install-deps (Debian's nginx package).");
        }

        int port = FreePorts.Allocate();

        // Not a 0700 temp directory: nginx's workers run as nobody and must reach their temp paths.
        string directory = Path.Combine(Path.GetTempPath(), "orleansha-nginx", Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        string[] upstreams = [.. coordinatorWebUrls.Select(u => new Uri(u).Authority)];
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), await RenderAsync($"127.0.0.1:{port}", upstreams));

        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "-p", directory + "/", "-c", "nginx.conf", "-e", "error.log", "-g", "daemon off;" })
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start nginx.");
        ChildProcesses.Add(process);
        var nginx = new NginxProcess(process, directory, port);
        await Poll.UntilAsync(
            async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"nginx exited with code {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}{nginx.ErrorLog}");
                }

                using var probe = new TcpClient();
                try
                {
                    await probe.ConnectAsync("127.0.0.1", port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(20),
            "nginx to listen");
        return nginx;
    }

    /// <summary>scripts/nginx-conf's output for <paramref name="listen"/> and <paramref name="upstreams"/>.</summary>
    public static async Task<string> RenderAsync(string listen, IEnumerable<string> upstreams)
    {
        ExternalCommand.Result render = await ExternalCommand.RunAsync(
            "bash", [RepositoryFiles.PathOf("scripts/nginx-conf"), listen, .. upstreams], TimeSpan.FromSeconds(30));
        return render.ExitCode == 0 ? render.Stdout : throw new InvalidOperationException($"scripts/nginx-conf failed: {render}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: nginx's fast shutdown, which also stops its worker (a SIGKILL would orphan it).
            NativeMethods.SendSignal(_process.Id, NativeMethods.SigTerm);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        ChildProcesses.Remove(_process);
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
