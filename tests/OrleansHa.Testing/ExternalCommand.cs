using System.Diagnostics;

namespace OrleansHa.Testing;

/// <summary>A program run to its end (a script, systemd-analyze, dotnet pack), with its output kept.</summary>
public static class ExternalCommand
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/>; killed (and reported) past <paramref name="timeout"/>.</summary>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        ChildProcesses.Add(process);
        try
        {
            process.StandardInput.Close();
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not end within {timeout}:\n{await stdout}\n{await stderr}");
            }

            return new Result(process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            ChildProcesses.Remove(process);
        }
    }

    /// <summary>Starts a long-running program (a published node); disposing it kills it.</summary>
    public static Running Start(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new Running(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}."));
    }

    /// <summary>A program started by <see cref="Start"/>, its output kept line by line.</summary>
    public sealed class Running : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];

        internal Running(Process process)
        {
            _process = process;
            ChildProcesses.Add(process);
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public bool HasExited => _process.HasExited;

        /// <summary>The last lines it printed, for failure messages.</summary>
        public string Output
        {
            get
            {
                lock (_lines)
                {
                    return string.Join('\n', _lines.TakeLast(60));
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            ChildProcesses.Remove(_process);
            _process.Dispose();
        }

        private void Keep(string? line)
        {
            if (line is not null)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }
            }
        }
    }
}
