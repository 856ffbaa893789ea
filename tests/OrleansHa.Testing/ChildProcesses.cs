using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansHa.Testing;

/// <summary>
/// Every child process (ZooKeeper JVMs, test silos) this process started, so none outlives it: they are killed on <see cref="AppDomain.ProcessExit"/>.
/// A process that dies without running that event is covered by a watchdog per JVM (see
/// <see cref="ZooKeeperServerProcess"/>) and by the <c>-Dorleansha.test.owner=&lt;pid&gt;</c> and
/// <c>-Dorleansha.test.run=&lt;id&gt;</c> markers that scripts/test uses to kill leftovers.
/// </summary>
internal static class ChildProcesses
{
    /// <summary>Name of the JVM system property that carries the PID of the owning .NET process.</summary>
    internal const string OwnerProperty = "orleansha.test.owner";

    /// <summary>
    /// Name of the JVM system property that carries the test run id from the ORLEANSHA_TEST_RUN environment
    /// variable (set by scripts/test), so the script can kill exactly its own run's JVMs when it ends.
    /// </summary>
    internal const string RunProperty = "orleansha.test.run";

    /// <summary>The run id from ORLEANSHA_TEST_RUN if it is a safe token (letters, digits, '-', '_'), else null.</summary>
    internal static string? RunId { get; } =
        Environment.GetEnvironmentVariable("ORLEANSHA_TEST_RUN") is { Length: > 0 and <= 64 } run
            && run.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? run
            : null;

    private static readonly ConcurrentDictionary<int, Process> Processes = new();
    private static int _hooked;

    internal static void Add(Process process)
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        }

        Processes[process.Id] = process;
    }

    internal static void Remove(Process process) => Processes.TryRemove(process.Id, out _);

    private static void KillAll()
    {
        foreach (var process in Processes.Values)
        {
            try
            {
                process.Kill();
                process.WaitForExit(2_000);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
            {
                // Already gone.
            }
        }

        Processes.Clear();
    }
}
