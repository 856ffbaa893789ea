namespace OrleansHa.Engine;

/// <summary>Why the engine did not run a query to its end.</summary>
public enum EngineFailureKind
{
    /// <summary>DuckDB rejected or could not run the SQL (syntax, binding, types, a runtime error); the message is DuckDB's.</summary>
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

/// <summary>A query the engine refused or that failed, with <see cref="Kind"/> saying why and a message saying what was wrong.</summary>
public sealed class EngineException : Exception
{
    public EngineException()
    {
    }

    public EngineException(string message)
        : base(message)
    {
    }

    public EngineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EngineException(EngineFailureKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public EngineFailureKind Kind { get; }
}
