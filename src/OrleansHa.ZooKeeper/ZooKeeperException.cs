namespace OrleansHa.ZooKeeper;

/// <summary>
/// A ZooKeeper operation failed with a server or client result code. Callers branch on the sealed subclasses
/// (<see cref="NoNodeException"/>, <see cref="BadVersionException"/>, ...) or on <see cref="Code"/>;
/// <see cref="Create"/> is the one place that maps a code to its type.
/// </summary>
public class ZooKeeperException : Exception
{
    public ZooKeeperException()
        : this(ErrorCode.SystemError, null, "ZooKeeper operation failed")
    {
    }

    public ZooKeeperException(string message)
        : this(ErrorCode.SystemError, null, message)
    {
    }

    public ZooKeeperException(string message, Exception innerException)
        : this(ErrorCode.SystemError, null, message, innerException)
    {
    }

    protected internal ZooKeeperException(ErrorCode code, string? path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Path = path;
    }

    /// <summary>The result code.</summary>
    public ErrorCode Code { get; }

    /// <summary>The client path the operation was about, when there is one.</summary>
    public string? Path { get; }

    /// <summary>For a failed multi: the index of the operation that failed.</summary>
    public int? OperationIndex { get; internal set; }

    /// <summary>For a failed multi: the per-operation results the server returned (all errors; nothing was applied).</summary>
    public IReadOnlyList<OpResult>? Results { get; internal set; }

    /// <summary>Whether retrying the same operation may succeed: the connection, not the request, was at fault.</summary>
    public bool IsRetriable => Code is ErrorCode.ConnectionLoss or ErrorCode.OperationTimeout or ErrorCode.ThrottledOp;

    /// <summary>Maps a result code to its typed exception.</summary>
    public static ZooKeeperException Create(ErrorCode code, string? path, string? detail = null, Exception? innerException = null)
    {
        string message = Describe(code, path, detail);
        return code switch
        {
            ErrorCode.NoNode => new NoNodeException(path, message),
            ErrorCode.NodeExists => new NodeExistsException(path, message),
            ErrorCode.BadVersion => new BadVersionException(path, message),
            ErrorCode.NotEmpty => new NotEmptyException(path, message),
            ErrorCode.NoChildrenForEphemerals => new NoChildrenForEphemeralsException(path, message),
            ErrorCode.NoAuth => new NoAuthException(path, message),
            ErrorCode.InvalidAcl => new InvalidAclException(path, message),
            ErrorCode.AuthFailed => new AuthFailedException(path, message),
            ErrorCode.BadArguments => new BadArgumentsException(path, message),
            ErrorCode.SessionExpired => new SessionExpiredException(path, message, innerException),
            ErrorCode.ConnectionLoss => new ConnectionLossException(path, message, innerException),
            ErrorCode.SessionMoved => new SessionMovedException(path, message),
            ErrorCode.Unimplemented => new UnimplementedException(path, message),
            ErrorCode.OperationTimeout => new OperationTimeoutException(path, message),
            _ => new ZooKeeperException(code, path, message, innerException),
        };
    }

    private static string Describe(ErrorCode code, string? path, string? detail)
    {
        string what = code switch
        {
            ErrorCode.NoNode => "no node",
            ErrorCode.NodeExists => "node exists",
            ErrorCode.BadVersion => "version mismatch",
            ErrorCode.NotEmpty => "node has children",
            ErrorCode.NoChildrenForEphemerals => "ephemeral nodes cannot have children",
            ErrorCode.NoAuth => "not authorised",
            ErrorCode.InvalidAcl => "invalid ACL",
            ErrorCode.AuthFailed => "authentication failed",
            ErrorCode.BadArguments => "bad arguments",
            ErrorCode.SessionExpired => "session expired",
            ErrorCode.ConnectionLoss => "connection lost",
            ErrorCode.SessionMoved => "session moved to another server",
            ErrorCode.Unimplemented => "operation not implemented by the server",
            ErrorCode.OperationTimeout => "operation timed out",
            _ => $"error {code} ({(int)code})",
        };
        string where = path is null ? string.Empty : $" for {path}";
        return detail is null ? $"ZooKeeper: {what}{where}" : $"ZooKeeper: {what}{where}: {detail}";
    }
}

/// <summary>The node does not exist (or, for create, its parent does not).</summary>
public sealed class NoNodeException : ZooKeeperException
{
    internal NoNodeException(string? path, string message) : base(ErrorCode.NoNode, path, message) { }
}

public sealed class NodeExistsException : ZooKeeperException
{
    internal NodeExistsException(string? path, string message) : base(ErrorCode.NodeExists, path, message) { }
}

/// <summary>A compare-and-set lost: the node's version is not the one given.</summary>
public sealed class BadVersionException : ZooKeeperException
{
    internal BadVersionException(string? path, string message) : base(ErrorCode.BadVersion, path, message) { }
}

public sealed class NotEmptyException : ZooKeeperException
{
    internal NotEmptyException(string? path, string message) : base(ErrorCode.NotEmpty, path, message) { }
}

public sealed class NoChildrenForEphemeralsException : ZooKeeperException
{
    internal NoChildrenForEphemeralsException(string? path, string message) : base(ErrorCode.NoChildrenForEphemerals, path, message) { }
}

public sealed class NoAuthException : ZooKeeperException
{
    internal NoAuthException(string? path, string message) : base(ErrorCode.NoAuth, path, message) { }
}

public sealed class InvalidAclException : ZooKeeperException
{
    internal InvalidAclException(string? path, string message) : base(ErrorCode.InvalidAcl, path, message) { }
}

public sealed class AuthFailedException : ZooKeeperException
{
    internal AuthFailedException(string? path, string message) : base(ErrorCode.AuthFailed, path, message) { }
}

public sealed class BadArgumentsException : ZooKeeperException
{
    internal BadArgumentsException(string? path, string message) : base(ErrorCode.BadArguments, path, message) { }
}

/// <summary>
/// The session is gone: the ensemble expired it, or it was disconnected longer than its timeout so the ensemble
/// may have. Its ephemeral nodes are (or soon will be) deleted; whatever depended on them must stop.
/// </summary>
public sealed class SessionExpiredException : ZooKeeperException
{
    internal SessionExpiredException(string? path, string message, Exception? inner) : base(ErrorCode.SessionExpired, path, message, inner) { }
}

/// <summary>
/// The connection broke while the request was in flight (or it could not be sent). The request may or may not
/// have been applied; it is never re-sent silently. The session usually lives on.
/// </summary>
public sealed class ConnectionLossException : ZooKeeperException
{
    internal ConnectionLossException(string? path, string message, Exception? inner) : base(ErrorCode.ConnectionLoss, path, message, inner) { }
}

public sealed class SessionMovedException : ZooKeeperException
{
    internal SessionMovedException(string? path, string message) : base(ErrorCode.SessionMoved, path, message) { }
}

public sealed class UnimplementedException : ZooKeeperException
{
    internal UnimplementedException(string? path, string message) : base(ErrorCode.Unimplemented, path, message) { }
}

public sealed class OperationTimeoutException : ZooKeeperException
{
    internal OperationTimeoutException(string? path, string message) : base(ErrorCode.OperationTimeout, path, message) { }
}

/// <summary>The server sent something the protocol does not allow (a malformed or oversized frame, an out-of-order reply).</summary>
public sealed class ZooKeeperProtocolException : Exception
{
    public ZooKeeperProtocolException()
        : base("ZooKeeper protocol violation")
    {
    }

    public ZooKeeperProtocolException(string message)
        : base(message)
    {
    }

    public ZooKeeperProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
