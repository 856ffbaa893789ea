using System.Diagnostics;

namespace OrleansHa.Testing;

/// <summary>
/// A .NET program run as a child process for a test (a silo, a node): its output kept line by line for
/// assertions, signals for faults, and no way to outlive the test host.
/// </summary>
public abstract class DotnetChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    /// <param name="assembly">The program's dll beside the test's own.</param>
    /// <param name="arguments">Its command line.</param>
    /// <param name="networkNamespace">The network namespace to run it in (a <see cref="FabricHost"/>), or null for the test's own.</param>
    protected DotnetChildProcess(string assembly, IEnumerable<string> arguments, string? networkNamespace = null)
    {
        // `ip netns exec` execs the program in place, so the process started is the program itself (its pid is the one signalled).
        string[] command = networkNamespace is null ? ["dotnet"] : ["ip", "netns", "exec", networkNamespace, "dotnet"];
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in command[1..].Append(Path.Combine(AppContext.BaseDirectory, assembly)).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {assembly}.");
        ChildProcesses.Add(_process);
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Completes when the process has exited.</summary>
    public Task Exited => _process.WaitForExitAsync();

    /// <summary>Every line the process printed so far.</summary>
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

    /// <summary>The last lines it printed, for failure messages.</summary>
    public string Output => string.Join('\n', Lines.TakeLast(60));

    /// <summary>SIGKILL, and waits until the process is gone.</summary>
    public virtual async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            NativeMethods.SendSignal(_process.Id, NativeMethods.SigKill);
        }

        await _process.WaitForExitAsync();
    }

    public void Pause() => NativeMethods.SendSignal(_process.Id, NativeMethods.SigStop);

    public void Resume() => NativeMethods.SendSignal(_process.Id, NativeMethods.SigCont);

    /// <summary>SIGTERM: a graceful stop.</summary>
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
        GC.SuppressFinalize(this);
    }

    /// <summary>Called for each line printed, after it is kept.</summary>
    protected virtual void OnOutputLine(string line)
    {
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

        OnOutputLine(line);
    }
}
