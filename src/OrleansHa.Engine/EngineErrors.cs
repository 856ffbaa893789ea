using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace OrleansHa.Engine;

/// <summary>Turns DuckDB's errors into <see cref="EngineException"/>s of the right kind, keeping DuckDB's message.</summary>
internal static class EngineErrors
{
    public static EngineException FromDuckDb(DuckDBException exception, string? memoryLimit = null) =>
        exception.ErrorType switch
        {
            DuckDBErrorType.Permission => Permission(exception.Message),
            DuckDBErrorType.OutOfMemory => Memory(exception.Message, memoryLimit),
            _ => FromMessage(exception.Message, memoryLimit),
        };

    /// <summary>
    /// By DuckDB's message, which starts with the error's class ("Permission Error: ..."): several paths (a failed
    /// prepare, for one) give no error type.
    /// </summary>
    public static EngineException FromMessage(string message, string? memoryLimit = null)
    {
        message = message.Trim();
        if (message.StartsWith("Permission Error", StringComparison.OrdinalIgnoreCase))
        {
            return Permission(message);
        }

        if (message.Contains("the configuration has been locked", StringComparison.OrdinalIgnoreCase))
        {
            return Permission(message);
        }

        if (message.StartsWith("Out of Memory Error", StringComparison.OrdinalIgnoreCase))
        {
            return Memory(message, memoryLimit);
        }

        return new EngineException(EngineFailureKind.Sql, message);
    }

    private static EngineException Permission(string message) =>
        new(EngineFailureKind.Permission, $"The query sandbox refused it: {message.Trim()}");

    private static EngineException Memory(string message, string? memoryLimit) =>
        new(
            EngineFailureKind.MemoryLimit,
            memoryLimit is null
                ? $"The query needed more memory than its limit: {message.Trim()}"
                : $"The query needed more memory than its limit of {memoryLimit}: {message.Trim()}");
}
