using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace OrleansHa.Grains.Election;

/// <summary>
/// When Orleans gives up on this silo (most often: the cluster declared it dead, as after a long pause), the node
/// ends through the same door as any fenced master: a log line that says why, and exit code 3 when it held a
/// tenure. Orleans' default handler fails fast with an abort, which says nothing an operator can act on.
/// </summary>
internal sealed partial class FencingFatalErrorHandler(MasterLatch latch, ILogger<FencingFatalErrorHandler> logger)
    : IFatalErrorHandler
{
    public bool IsUnexpected(Exception exception) => true;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        LogFatal(logger, context ?? "unknown", exception);
        latch.Fence($"Orleans stopped this silo: {context ?? exception?.Message}");
    }

    [LoggerMessage(EventId = 3202, Level = LogLevel.Critical, Message = "Orleans reported a fatal error ({Context})")]
    private static partial void LogFatal(ILogger logger, string context, Exception? exception);
}
