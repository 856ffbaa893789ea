using System.Collections.Frozen;
using OrleansHa.Sql;

namespace OrleansHa.Engine;

/// <summary>
/// Checks on the text of a query, before DuckDB parses or binds it: it must start like a statement that reads, and it
/// must not call the few DuckDB table functions that a SELECT can reach and that get around the sandbox.
/// </summary>
/// <remarks>
/// <para>The text is tokenised as DuckDB's (PostgreSQL's) scanner does: comments (nested block comments too), string
/// literals (with <c>''</c>, <c>E'\''</c> and <c>$tag$...$tag$</c>) and quoted identifiers are told apart, so a name is
/// found in any case, quoted, schema-qualified or with a comment before its parenthesis, while a string or a comment
/// that merely mentions it is left alone.</para>
/// <para>Why the first word: binding (preparing) a statement is not always free of side effects. In DuckDB 1.5.6
/// preparing <c>EXPORT DATABASE 'dir'</c> creates <c>dir</c>, inside an allowed directory too. So statements that do
/// not read are refused here, before DuckDB sees them; <see cref="StatementCheck"/> then checks the statement type
/// DuckDB itself reports.</para>
/// <para>Why the functions (found in DuckDB 1.5.6): <c>enable_logging(storage='file', storage_path=...)</c> and
/// <c>enable_profiling(save_location=...)</c> change the engine's settings although the configuration is locked, and
/// then write files (log CSVs, profiles) into an allowed directory; pointed outside, the log flush fails on every later
/// statement and the flush at shutdown ends the process (std::terminate). <c>query(...)</c> and
/// <c>json_execute_serialized_sql(...)</c> run SQL built from strings at bind time, which no text check can see.</para>
/// </remarks>
internal static class SqlGuard
{
    private const string ChangesEngineState =
        "it changes the engine's logging or profiling although the configuration is locked, and can write files";

    private const string RunsDynamicSql = "it runs SQL built from strings, which the sandbox cannot check beforehand";

    private static readonly FrozenDictionary<string, string> ForbiddenFunctions = new Dictionary<string, string>
    {
        ["enable_logging"] = ChangesEngineState,
        ["disable_logging"] = ChangesEngineState,
        ["truncate_duckdb_logs"] = ChangesEngineState,
        ["enable_profiling"] = ChangesEngineState,
        ["disable_profiling"] = ChangesEngineState,
        ["enable_profile"] = ChangesEngineState,
        ["disable_profile"] = ChangesEngineState,
        ["query"] = RunsDynamicSql,
        ["json_execute_serialized_sql"] = RunsDynamicSql,
        ["arrow_scan"] = "it reads raw memory pointers",
        ["arrow_scan_dumb"] = "it reads raw memory pointers",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, string> RefusedStarts = new Dictionary<string, string>
    {
        ["copy"] = "a COPY statement (writing files is not allowed)",
        ["export"] = "an EXPORT DATABASE statement (writing files is not allowed)",
        ["import"] = "an IMPORT DATABASE statement",
        ["attach"] = "an ATTACH statement (attaching databases is not allowed)",
        ["detach"] = "a DETACH statement",
        ["install"] = "an INSTALL or LOAD statement (extensions are not allowed)",
        ["force"] = "an INSTALL or LOAD statement (extensions are not allowed)",
        ["load"] = "an INSTALL or LOAD statement (extensions are not allowed)",
        ["update"] = "a statement that changes data",
        ["set"] = "a SET, RESET or USE statement (the configuration is locked)",
        ["reset"] = "a SET, RESET or USE statement (the configuration is locked)",
        ["use"] = "a SET, RESET or USE statement (the configuration is locked)",
        ["call"] = "a CALL statement",
        ["pragma"] = "a PRAGMA (the ones that read have a table function: SELECT * FROM pragma_version(), pragma_table_info(...))",
        ["insert"] = "a statement that changes data",
        ["delete"] = "a statement that changes data",
        ["merge"] = "a statement that changes data",
        ["truncate"] = "a statement that changes data",
        ["create"] = "a statement that changes the catalog",
        ["alter"] = "a statement that changes the catalog",
        ["drop"] = "a statement that changes the catalog",
        ["comment"] = "a statement that changes the catalog",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Throws <see cref="EngineException"/> (<see cref="EngineFailureKind.Permission"/>) unless <paramref name="sql"/>
    /// starts like a statement that reads (SELECT, FROM, WITH, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE, PIVOT, or
    /// EXPLAIN of one of them), possibly after opening parentheses. PRAGMA is refused: DuckDB expands some pragmas into
    /// other statements while parsing (<c>PRAGMA import_database</c> into the SQL files of a directory), and the ones
    /// that read have table functions.
    /// </summary>
    public static void EnsureStartsAsRead(string sql)
    {
        if (FindNonReadingStart(sql) is { } start)
        {
            throw new EngineException(
                EngineFailureKind.Permission,
                $"The query sandbox runs only queries that read (SELECT or EXPLAIN); this is {Describe(start)}, which is refused.");
        }
    }

    /// <inheritdoc cref="SqlText.FindNonReadingStart"/>
    public static string? FindNonReadingStart(string sql) => SqlText.FindNonReadingStart(sql);

    /// <summary>Throws <see cref="EngineException"/> (<see cref="EngineFailureKind.Permission"/>) if <paramref name="sql"/> calls a forbidden function.</summary>
    public static void EnsureNoForbiddenCall(string sql)
    {
        if (FindForbiddenCall(sql) is { } name)
        {
            throw new EngineException(
                EngineFailureKind.Permission,
                $"The query sandbox does not allow calling {name}(): {ForbiddenFunctions[name]}.");
        }
    }

    /// <summary>The first forbidden function that <paramref name="sql"/> calls (its name followed by "("), or null.</summary>
    public static string? FindForbiddenCall(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        string? name = null; // the previous token, if it was a name
        foreach (var (kind, text) in SqlText.Tokenize(sql))
        {
            if (kind == SqlText.TokenKind.OpenParenthesis && name is not null && ForbiddenFunctions.ContainsKey(name))
            {
                return name.ToLowerInvariant();
            }

            name = kind is SqlText.TokenKind.Word or SqlText.TokenKind.QuotedIdentifier ? text : null;
        }

        return null;
    }

    private static string Describe(string start) =>
        RefusedStarts.TryGetValue(start, out var description)
            ? description
            : $"a statement starting with {start.ToUpperInvariant()}";
}
