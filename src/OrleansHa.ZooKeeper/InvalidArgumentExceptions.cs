namespace OrleansHa.ZooKeeper;

/// <summary>A path broke ZooKeeper's path rules; the request was not sent.</summary>
public sealed class InvalidPathException : ArgumentException
{
    public InvalidPathException()
    {
    }

    public InvalidPathException(string message)
        : base(message)
    {
    }

    public InvalidPathException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A request would exceed the largest frame the server accepts; it was not sent.</summary>
public sealed class RequestTooLargeException : ArgumentException
{
    public RequestTooLargeException()
    {
    }

    public RequestTooLargeException(string message)
        : base(message)
    {
    }

    public RequestTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A connection string is not <c>host:port[,host:port...][/chroot]</c>.</summary>
public sealed class InvalidConnectionStringException : ArgumentException
{
    public InvalidConnectionStringException()
    {
    }

    public InvalidConnectionStringException(string message)
        : base(message)
    {
    }

    public InvalidConnectionStringException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
