using Microsoft.Extensions.Logging;

namespace OrleansHa.ZooKeeper.Internal;

/// <summary>The client's log messages, with stable event ids for the state changes operators look for.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "ZooKeeper session 0x{SessionId:x} connected to {Host}:{Port} (timeout {TimeoutMs} ms, {How})")]
    public static partial void Connected(ILogger logger, long sessionId, string host, int port, int timeoutMs, string how);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "ZooKeeper session 0x{SessionId:x} disconnected from {Host}:{Port}: {Reason}")]
    public static partial void Disconnected(ILogger logger, long sessionId, string host, int port, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "ZooKeeper connection attempt to {Host}:{Port} failed: {Reason}")]
    public static partial void AttemptFailed(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "ZooKeeper session 0x{SessionId:x} lost: {Reason}")]
    public static partial void SessionLost(ILogger logger, long sessionId, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "ZooKeeper server {Host}:{Port} broke the protocol: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "A ZooKeeper watch or state callback threw")]
    public static partial void CallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "ZooKeeper session 0x{SessionId:x} closed")]
    public static partial void Closed(ILogger logger, long sessionId);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "ZooKeeper rejected credentials for scheme {Scheme}; they are dropped")]
    public static partial void AuthRejected(ILogger logger, string scheme);
}
