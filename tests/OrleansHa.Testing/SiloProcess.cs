using System.Diagnostics;
using System.Globalization;

namespace OrleansHa.Testing;

/// <summary>
/// A real Orleans silo in its own process (tests/OrleansHa.TestSilo) with membership in ZooKeeper, so that
/// failure detection and gateways are exercised over real sockets and real process deaths.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private const string ReadyPrefix = "READY ";
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private SiloProcess(Process process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>The silo address in its parsable form, which is also its membership row's name.</summary>
    public string SiloAddress { get; private set; } = string.Empty;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the silo printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(40));
            }
        }
    }

    /// <summary>
    /// Starts a silo of <paramref name="clusterId"/> on fresh loopback ports and waits until it is Active.
    /// <paramref name="fastMembership"/> picks the test membership options; otherwise Orleans' defaults.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string zooKeeper, string clusterId, bool fastMembership = true, TimeSpan? timeout = null)
    {
        IReadOnlyList<int> ports = FreePorts.Allocate(2);
        string silo = Path.Combine(AppContext.BaseDirectory, "OrleansHa.TestSilo.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[]
        {
            silo, zooKeeper, clusterId, ports[0].ToString(CultureInfo.InvariantCulture), ports[1].ToString(CultureInfo.InvariantCulture),
            fastMembership ? "fast" : "default",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the test silo.");
        ChildProcesses.Add(process);
        var siloProcess = new SiloProcess(process, ports[0], ports[1]);
        process.OutputDataReceived += (_, e) => siloProcess.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => siloProcess.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Task exited = process.WaitForExitAsync();
            Task finished = await Task.WhenAny(siloProcess._ready.Task, exited).WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
            if (finished == exited)
            {
                throw new InvalidOperationException($"The test silo exited with code {process.ExitCode} before it was ready:\n{siloProcess.Output}");
            }

            siloProcess.SiloAddress = await siloProcess._ready.Task;
            return siloProcess;
        }
        catch (TimeoutException)
        {
            await siloProcess.DisposeAsync();
            throw new TimeoutException($"The test silo was not ready in time:\n{siloProcess.Output}");
        }
        catch
        {
            await siloProcess.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, and waits until the process is gone.</summary>
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

        if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
        {
            _ready.TrySetResult(line[ReadyPrefix.Length..].Trim());
        }
    }
}
