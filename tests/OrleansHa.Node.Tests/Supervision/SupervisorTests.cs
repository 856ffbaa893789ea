using Microsoft.Extensions.Logging;
using OrleansHa.Node.Configuration;
using OrleansHa.Node.Supervision;
using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Supervision;

/// <summary>
/// The supervisor's decisions and its ends of the heartbeat, over real sockets and real child processes. (A real
/// node's hung silo being killed and replaced is in the failover tests.)
/// </summary>
public sealed class SupervisorTests
{
    private static readonly SupervisorSettings Settings = new(
        Enabled: true,
        HeartbeatTimeout: TimeSpan.FromSeconds(3),
        HeartbeatInterval: TimeSpan.FromMilliseconds(500),
        StartupTimeout: TimeSpan.FromSeconds(60),
        RestartDelay: TimeSpan.FromMilliseconds(50),
        RestartMaxDelay: TimeSpan.FromMilliseconds(200),
        StopTimeout: TimeSpan.FromSeconds(5));

    public static TheoryData<string, double, double?, double?, double?, string?> Decisions => new()
    {
        { "starting, in time", 10, null, null, null, null },
        { "starting too long", 61, null, null, null, "did not get ready within 60000 ms" },
        { "ready, heartbeat fresh", 100, 90, 1, null, null },
        { "ready, heartbeat at the bound", 100, 90, 3, null, null },
        { "ready, heartbeat stalled", 100, 90, 3.2, null, "heartbeat stalled for 3200 ms (bound 3000 ms" },
        { "ready long ago, no heartbeat since", 100, 4, 4, null, "heartbeat stalled for 4000 ms" },
        { "stopping, heartbeat stalled, in time", 100, 90, 30, 2, null },
        { "stopping too long", 100, 90, 30, 6, "did not stop within 5000 ms of SIGTERM" },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void The_silo_is_killed_exactly_when_a_bound_is_passed(string situation, double sinceStart, double? sinceReady, double? sinceHeartbeat, double? sinceStop, string? expected)
    {
        string? reason = Supervisor.KillReason(Settings, Seconds(sinceStart)!.Value, Seconds(sinceReady), Seconds(sinceHeartbeat), Seconds(sinceStop), "serving");
        if (expected is null)
        {
            Assert.True(reason is null, $"{situation}: killed because {reason}");
        }
        else
        {
            Assert.True(reason?.Contains(expected, StringComparison.Ordinal) == true, $"{situation}: expected '{expected}', got '{reason}'");
        }
    }

    [Fact]
    public async Task The_listener_hears_readiness_heartbeats_status_and_stopping_over_a_real_socket()
    {
        using var listener = new HeartbeatListener(TimeProvider.System);
        using NotifySocket child = NotifySocket.For(listener.Address);
        Assert.Null(listener.LastHeartbeat);

        Assert.True(child.Send("READY=1\nSTATUS=serving"));
        await Poll.UntilAsync(() => listener.ReadyAt is not null, TimeSpan.FromSeconds(5), "READY=1 to arrive");
        Assert.Equal("serving", listener.Status);
        long ready = listener.LastHeartbeat!.Value;

        Assert.True(child.Send("WATCHDOG=1"));
        await Poll.UntilAsync(() => listener.LastHeartbeat > ready, TimeSpan.FromSeconds(5), "WATCHDOG=1 to arrive");
        Assert.True(child.Send("STOPPING=1"));
        await Poll.UntilAsync(() => listener.StoppingAt is not null, TimeSpan.FromSeconds(5), "STOPPING=1 to arrive");

        listener.Reset();
        Assert.Null(listener.ReadyAt);
        Assert.Null(listener.LastHeartbeat);
    }

    [Fact]
    public async Task A_child_that_never_gets_ready_is_killed_and_started_again_and_a_stop_ends_it_with_its_code()
    {
        SupervisorSettings settings = Settings with { StartupTimeout = TimeSpan.FromMilliseconds(300) };
        var log = new CollectingLogger();
        var supervisor = new Supervisor(settings, new ChildCommand("sleep", ["600"]), TimeProvider.System, log);
        using var stop = new CancellationTokenSource();

        Task<int> running = supervisor.RunAsync(stop.Token);
        await Poll.UntilAsync(() => log.Lines.Count(l => l.Contains("did not get ready", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(20), "two starts to be killed");
        Assert.Contains(log.Lines, l => l.Contains("exited with code 137; restarting", StringComparison.Ordinal));
        await Poll.UntilAsync(() => log.Lines.Count(l => l.Contains("SUPERVISOR started silo", StringComparison.Ordinal)) >= 3, TimeSpan.FromSeconds(20), "a third start");

        await stop.CancelAsync();

        // sleep ends on SIGTERM with 128 + 15, or SIGKILL if the stop raced a startup kill.
        int code = await running.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains(code, new[] { 143, 137 });
        Assert.Contains(log.Lines, l => l.Contains("the supervisor exits with it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_child_that_keeps_failing_is_started_again_after_a_growing_delay()
    {
        var log = new CollectingLogger();
        var supervisor = new Supervisor(Settings, new ChildCommand("false", []), TimeProvider.System, log);
        using var stop = new CancellationTokenSource();

        Task<int> running = supervisor.RunAsync(stop.Token);
        await Poll.UntilAsync(() => log.Lines.Count(l => l.Contains("restarting in 200 ms", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(20), "the delay to reach its cap");
        await stop.CancelAsync();
        Assert.Equal(1, await running.WaitAsync(TimeSpan.FromSeconds(20)));

        string[] delays = [.. log.Lines.Where(l => l.Contains("restarting in", StringComparison.Ordinal)).Take(3).Select(l => l[(l.IndexOf("restarting in", StringComparison.Ordinal) + 14)..])];
        Assert.Equal(["50 ms", "100 ms", "200 ms"], delays);
    }

    private static TimeSpan? Seconds(double? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;

    private sealed class CollectingLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }
    }
}
