using System.Diagnostics;
using System.Runtime.InteropServices;
using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Supervision;

/// <summary>
/// <c>orleans-ha-node</c> as a supervisor (ARCHITECTURE §4.8): it runs the silo as its child process and SIGKILLs the
/// child when its heartbeat stalls past <c>supervisor.heartbeat.timeout</c> (a SIGSTOPped, deadlocked or starved
/// silo keeps its lock on the shared drive forever; killed, it frees it in the kernel and a standby takes over as fast
/// as after a crash). Whatever way the child ends, the supervisor starts it again (it comes back as a standby) after a
/// delay that doubles while starts keep failing; asked to stop (SIGTERM, SIGINT), it passes SIGTERM on, kills the
/// child after <c>supervisor.stop.timeout</c>, and exits with the child's status. Every decision is one
/// <c>SUPERVISOR</c> log line.
/// </summary>
internal sealed partial class Supervisor(SupervisorSettings settings, ChildCommand command, TimeProvider time, ILogger logger)
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    /// <summary>Supervises until <paramref name="stop"/> fires and the child has ended; returns the exit code to end with.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        using var heartbeats = new HeartbeatListener(time);
        using NotifySocket? outer = NotifySocket.FromEnvironment();
        heartbeats.Ready += () => outer?.Send("READY=1\nSTATUS=the supervised silo is ready");
        TimeSpan delay = settings.RestartDelay;
        while (true)
        {
            heartbeats.Reset();
            using Process child = command.Start(heartbeats.Address);
            LogStarted(logger, child.Id, settings.HeartbeatTimeout.TotalMilliseconds);
            int code = await SuperviseAsync(child, heartbeats, stop);
            bool wasReady = heartbeats.ReadyAt is not null;
            if (stop.IsCancellationRequested)
            {
                LogStopped(logger, child.Id, code);
                return code;
            }

            delay = wasReady ? settings.RestartDelay : delay;
            LogRestarting(logger, child.Id, code, delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, time, stop);
            }
            catch (OperationCanceledException)
            {
                return code;
            }

            if (!wasReady)
            {
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.RestartMaxDelay.Ticks));
            }
        }
    }

    /// <summary>Watches one child until it exits; kills it when its heartbeat stalls, its start takes too long, or it will not stop.</summary>
    private async Task<int> SuperviseAsync(Process child, HeartbeatListener heartbeats, CancellationToken stop)
    {
        long started = time.GetTimestamp();
        long? stopAskedAt = null;
        bool killed = false;
        TimeSpan tick = settings.HeartbeatInterval < TimeSpan.FromMilliseconds(100) ? settings.HeartbeatInterval : TimeSpan.FromMilliseconds(100);
        Task exited = child.WaitForExitAsync(CancellationToken.None);
        while (await Task.WhenAny(exited, Task.Delay(tick, time, CancellationToken.None)) != exited)
        {
            long now = time.GetTimestamp();
            if (killed)
            {
                continue;
            }

            if (stop.IsCancellationRequested && stopAskedAt is null)
            {
                _ = kill(child.Id, SigTerm);
                stopAskedAt = now;
            }

            if (KillReason(settings, time.GetElapsedTime(started, now), Since(heartbeats.ReadyAt, now), Since(heartbeats.LastHeartbeat, now), Since(stopAskedAt ?? heartbeats.StoppingAt, now), heartbeats.Status) is { } reason)
            {
                LogKilling(logger, child.Id, time.GetUtcNow(), reason);
                killed = Kill(child);
            }
        }

        await exited;
        return child.ExitCode;
    }

    /// <summary>
    /// Why the child must be killed now, or null: it was asked to stop longer ago than the stop timeout (and, while it
    /// stops, nothing else counts); it was ready and its last heartbeat is older than the heartbeat timeout; or it has
    /// been starting for longer than the startup timeout. Each argument is the time since that event, null when it has not happened.
    /// </summary>
    internal static string? KillReason(SupervisorSettings settings, TimeSpan sinceStart, TimeSpan? sinceReady, TimeSpan? sinceHeartbeat, TimeSpan? sinceStopAsked, string? status)
    {
        if (sinceStopAsked is { } stopping)
        {
            // A stopping silo stops its heartbeat too; only the stop timeout applies then.
            return stopping > settings.StopTimeout ? $"it did not stop within {settings.StopTimeout.TotalMilliseconds:0} ms of SIGTERM" : null;
        }

        if (sinceHeartbeat > settings.HeartbeatTimeout)
        {
            return $"its heartbeat stalled for {sinceHeartbeat.Value.TotalMilliseconds:0} ms (bound {settings.HeartbeatTimeout.TotalMilliseconds:0} ms; last status: {status ?? "none"})";
        }

        return sinceReady is null && sinceStart > settings.StartupTimeout
            ? $"it did not get ready within {settings.StartupTimeout.TotalMilliseconds:0} ms"
            : null;
    }

    private TimeSpan? Since(long? timestamp, long now) => timestamp is { } at ? time.GetElapsedTime(at, now) : null;

    private static bool Kill(Process child)
    {
        // SIGKILL works on a stopped process too; the kernel frees its locks at once.
        _ = kill(child.Id, SigKill);
        return true;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Warning, Message = "SUPERVISOR started silo pid={Pid} heartbeat-timeout={TimeoutMs}ms")]
    private static partial void LogStarted(ILogger logger, int pid, double timeoutMs);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Error, Message = "SUPERVISOR killing silo pid={Pid} at={At:O}: {Reason}")]
    private static partial void LogKilling(ILogger logger, int pid, DateTimeOffset at, string reason);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Warning, Message = "SUPERVISOR silo pid={Pid} exited with code {Code}; restarting in {DelayMs} ms")]
    private static partial void LogRestarting(ILogger logger, int pid, int code, double delayMs);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Warning, Message = "SUPERVISOR silo pid={Pid} stopped with code {Code}; the supervisor exits with it")]
    private static partial void LogStopped(ILogger logger, int pid, int code);
}

/// <summary>How to start this very program again as the supervised silo: the same executable, arguments and environment.</summary>
internal sealed class ChildCommand(string fileName, IReadOnlyList<string> arguments)
{
    /// <summary>This process's own command line (for <c>dotnet orleans-ha-node.dll</c>, the host and the assembly).</summary>
    public static ChildCommand OfThisProcess(IReadOnlyList<string> arguments)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The node's own executable path is unknown.");
        string[] prefix = Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? [typeof(ChildCommand).Assembly.Location]
            : [];
        return new ChildCommand(host, [.. prefix, .. arguments]);
    }

    /// <summary>Starts the child with the supervisor's stdout and stderr, told where to send its heartbeat.</summary>
    public Process Start(string notifySocket)
    {
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[NotifySocket.Variable] = notifySocket;
        start.Environment[NodeHeartbeat.SupervisorPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // systemd's watchdog (if any) watches the supervisor, not the child.
        start.Environment.Remove("WATCHDOG_USEC");
        start.Environment.Remove("WATCHDOG_PID");
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
    }
}
