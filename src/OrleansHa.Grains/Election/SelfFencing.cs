using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace OrleansHa.Grains.Election;

/// <summary>Process exit codes a supervisor can act on.</summary>
public static class ExitCodes
{
    /// <summary>The master lost its standing (ZooKeeper session, lock, or record) and killed itself, as Dremio's exit 3.</summary>
    public const int LostMastership = 3;

    /// <summary>The node could not start: bad configuration, unwritable paths, unreachable ZooKeeper.</summary>
    public const int StartupFailed = 2;
}

/// <summary>
/// How a master that is in doubt stops: at once, with its own exit code and a log line that says why. Nothing may
/// be written after the decision, so the process ends instead of trying to step down politely.
/// </summary>
public interface ISelfFencing
{
    void Fence(string reason);
}

internal sealed partial class ProcessExitFencing(ILogger<ProcessExitFencing> logger, IEnumerable<ILoggerProvider> providers) : ISelfFencing
{
    public void Fence(string reason)
    {
        LogFencing(logger, reason, ExitCodes.LostMastership);

        // The console logger writes from a queue on its own thread; disposing the providers flushes it, this line included.
        foreach (ILoggerProvider provider in providers)
        {
            provider.Dispose();
        }

        // Not Environment.Exit: its ProcessExit handlers run the host's graceful shutdown first, which with ZooKeeper
        // unreachable waits out Orleans' shutdown while this process still holds the lock and the standby waits on it.
        // _exit ends the process now; the kernel frees the lock, and no more of our code runs that could write.
        ExitNow(ExitCodes.LostMastership);
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Critical, Message = "FENCED: {Reason}; exiting with code {Code}")]
    private static partial void LogFencing(ILogger logger, string reason, int code);
}
