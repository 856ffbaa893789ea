using System.Runtime.InteropServices;
using OrleansHa.Grains.Health;
using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Supervision;

/// <summary>
/// The node's heartbeat (ARCHITECTURE §4.8): <c>READY=1</c> once the node serves, then <c>WATCHDOG=1</c> every
/// <c>supervisor.heartbeat.interval</c> while <see cref="NodeHealthProbe"/> proves the node works, to whoever
/// listens on <c>NOTIFY_SOCKET</c> (the node's supervisor, or systemd with <c>WatchdogSec=</c>). A stuck silo sends
/// nothing, and its supervisor kills it. Under a supervisor the node also ends when the supervisor is gone, since
/// nothing would then bound a hang.
/// </summary>
internal sealed partial class NodeHeartbeat(
    NodeHealthProbe probe,
    NodeConfiguration config,
    IHostApplicationLifetime lifetime,
    ILogger<NodeHeartbeat> logger) : BackgroundService
{
    /// <summary>Set by the supervisor for its child: the supervisor's pid.</summary>
    public const string SupervisorPidVariable = "ORLEANSHA_SUPERVISOR_PID";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using NotifySocket? notify = NotifySocket.FromEnvironment();
        int? supervisor = int.TryParse(Environment.GetEnvironmentVariable(SupervisorPidVariable), out int pid) ? pid : null;
        if (notify is null && supervisor is null)
        {
            return;
        }

        TimeSpan interval = Interval();
        try
        {
            await WhenStartedAsync(stoppingToken);
            notify?.Send($"READY=1\nMAINPID={Environment.ProcessId}\nSTATUS=serving; master standing {probe.Standing}");
            using var timer = new PeriodicTimer(interval);
            string? lastProblem = null;
            do
            {
                if (supervisor is { } parent && getppid() != parent)
                {
                    LogSupervisorGone(logger, parent);
                    lifetime.StopApplication();
                    return;
                }

                string? problem = await probe.ProbeAsync(interval, stoppingToken);
                if (problem is null)
                {
                    notify?.Send("WATCHDOG=1");
                }
                else if (problem != lastProblem)
                {
                    LogUnhealthy(logger, problem);
                    notify?.Send("STATUS=unhealthy: " + problem);
                }

                lastProblem = problem;
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            notify?.Send("STOPPING=1");
        }
    }

    /// <summary>The configured interval, or less when systemd's watchdog asks for more often (half its period).</summary>
    private TimeSpan Interval()
    {
        TimeSpan interval = config.Supervisor.HeartbeatInterval;
        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out long usec) && usec > 0
            && TimeSpan.FromMicroseconds(usec / 2) < interval
            ? TimeSpan.FromMicroseconds(usec / 2)
            : interval;
    }

    private Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int getppid();

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Heartbeat withheld: {Problem}")]
    private static partial void LogUnhealthy(ILogger logger, string problem);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Critical, Message = "The supervisor (pid {Pid}) is gone; stopping, since nothing would bound a hang")]
    private static partial void LogSupervisorGone(ILogger logger, int pid);
}
