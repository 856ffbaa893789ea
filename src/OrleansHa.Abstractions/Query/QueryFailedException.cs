namespace OrleansHa.Abstractions.Query;

/// <summary>Why a query failed.</summary>
public enum QueryFailureKind
{
    /// <summary>The engine rejected or could not run the SQL (syntax, binding, types, a runtime error); the message is the engine's.</summary>
    Sql,

    /// <summary>The sandbox refused it: a file outside the allowed directories, a write, an extension, a setting, a forbidden statement or function.</summary>
    Permission,

    /// <summary>The query ran longer than its timeout and was stopped.</summary>
    Timeout,

    /// <summary>The query needed more memory than its limit.</summary>
    MemoryLimit,

    /// <summary>The caller canceled the query.</summary>
    Canceled,
}

/// <summary>
/// A query that failed, with <see cref="Kind"/> saying why and a message saying what was wrong
/// (for <see cref="QueryFailureKind.Sql"/> and most refusals, the engine's own message).
/// </summary>
[GenerateSerializer]
public sealed class QueryFailedException : Exception
{
    public QueryFailedException()
    {
    }

    public QueryFailedException(string message)
        : base(message)
    {
    }

    public QueryFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public QueryFailedException(QueryFailureKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    [Id(0)]
    public QueryFailureKind Kind { get; init; }
}
