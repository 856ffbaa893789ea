using System.Diagnostics;
using System.Globalization;

namespace OrleansHa.Cli;

/// <summary>
/// A one-line indicator on stderr while a query runs (elapsed time, rows so far, resubmissions), redrawn in place;
/// only when stderr is a terminal, so pipes and logs never see it.
/// </summary>
internal sealed class Progress : IAsyncDisposable
{
    private static readonly string[] Frames = ["|", "/", "-", "\\"];
    private readonly Func<string> _status;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private bool _drawn;

    private Progress(Func<string> status)
    {
        _status = status;
        _loop = RunAsync();
    }

    /// <summary>A running indicator, or null when stderr is not a terminal.</summary>
    public static Progress? StartIfTerminal(Func<string> status) => Console.IsErrorRedirected ? null : new Progress(status);

    /// <summary>Erases the line, so that output to the same terminal starts clean; the indicator stays off.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _stop.Cancel();
            if (_drawn)
            {
                Console.Error.Write("\r\u001b[2K");
                _drawn = false;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Clear();
        await _loop;
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(125));
        try
        {
            for (int frame = 0; await timer.WaitForNextTickAsync(_stop.Token); frame++)
            {
                lock (_gate)
                {
                    if (_stop.IsCancellationRequested)
                    {
                        return;
                    }

                    Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r\u001b[2K{Frames[frame % Frames.Length]} running {clock.Elapsed.TotalSeconds:0.0} s{_status()}"));
                    _drawn = true;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
