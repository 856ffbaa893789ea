namespace OrleansHa.Abstractions;

/// <summary>
/// No master is active right now (a failover is in progress, or the master is fenced): the call was not applied.
/// Retry after a moment; it never hangs waiting for one.
/// </summary>
[GenerateSerializer]
public sealed class NoActiveMasterException : Exception
{
    public NoActiveMasterException()
        : base("No active master: a failover is in progress; retry shortly.")
    {
    }

    public NoActiveMasterException(string message)
        : base(message)
    {
    }

    public NoActiveMasterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>What the catalog refused, and why (a conflict, a missing name, an invalid name).</summary>
[GenerateSerializer]
public sealed class CatalogException : Exception
{
    public CatalogException()
    {
    }

    public CatalogException(string message)
        : base(message)
    {
    }

    public CatalogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CatalogException(CatalogError error, string message)
        : base(message)
    {
        Error = error;
    }

    [Id(0)]
    public CatalogError Error { get; init; }
}

public enum CatalogError
{
    Invalid,
    NotFound,
    Conflict,
}
