using System.Collections.Frozen;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Query.Engine;

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

    // The words a statement that reads starts with. EXPLAIN is followed by one of the others.
    private static readonly FrozenSet<string> ReadingStarts = new[]
    {
        "select", "from", "with", "values", "table", "describe", "desc", "show", "summarize", "pivot", "unpivot",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

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

    private enum TokenKind
    {
        Word,
        QuotedIdentifier,
        OpenParenthesis,
        CloseParenthesis,
        Other,
    }

    /// <summary>
    /// Throws <see cref="QueryFailedException"/> (<see cref="QueryFailureKind.Permission"/>) unless <paramref name="sql"/>
    /// starts like a statement that reads (SELECT, FROM, WITH, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE, PIVOT, or
    /// EXPLAIN of one of them), possibly after opening parentheses. PRAGMA is refused: DuckDB expands some pragmas into
    /// other statements while parsing (<c>PRAGMA import_database</c> into the SQL files of a directory), and the ones
    /// that read have table functions.
    /// </summary>
    public static void EnsureStartsAsRead(string sql)
    {
        if (FindNonReadingStart(sql) is { } start)
        {
            throw new QueryFailedException(
                QueryFailureKind.Permission,
                $"The query sandbox runs only queries that read (SELECT or EXPLAIN); this is {Describe(start)}, which is refused.");
        }
    }

    /// <summary>The first word of <paramref name="sql"/> (or of what it EXPLAINs) if it is not one that reads, else null.</summary>
    public static string? FindNonReadingStart(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var explain = 0; // 1 after EXPLAIN, 2 after EXPLAIN ANALYZE or EXPLAIN's options
        var optionDepth = 0; // inside EXPLAIN's (FORMAT json, ...) options
        foreach (var (kind, text) in Tokenize(sql))
        {
            if (optionDepth > 0)
            {
                optionDepth += kind == TokenKind.OpenParenthesis ? 1 : kind == TokenKind.CloseParenthesis ? -1 : 0;
                continue;
            }

            switch (kind)
            {
                case TokenKind.OpenParenthesis when explain == 1:
                    optionDepth = 1;
                    explain = 2;
                    continue;
                case TokenKind.OpenParenthesis:
                    continue; // (SELECT 1) UNION (SELECT 2)
                case TokenKind.Word when explain == 0 && text.Equals("explain", StringComparison.OrdinalIgnoreCase):
                    explain = 1;
                    continue;
                case TokenKind.Word when explain == 1 && text.Equals("analyze", StringComparison.OrdinalIgnoreCase):
                    explain = 2;
                    continue;
                case TokenKind.Word when ReadingStarts.Contains(text):
                    return null;
                default:
                    return text;
            }
        }

        return null; // nothing but comments: DuckDB reports the empty query
    }

    /// <summary>Throws <see cref="QueryFailedException"/> (<see cref="QueryFailureKind.Permission"/>) if <paramref name="sql"/> calls a forbidden function.</summary>
    public static void EnsureNoForbiddenCall(string sql)
    {
        if (FindForbiddenCall(sql) is { } name)
        {
            throw new QueryFailedException(
                QueryFailureKind.Permission,
                $"The query sandbox does not allow calling {name}(): {ForbiddenFunctions[name]}.");
        }
    }

    /// <summary>The first forbidden function that <paramref name="sql"/> calls (its name followed by "("), or null.</summary>
    public static string? FindForbiddenCall(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        string? name = null; // the previous token, if it was a name
        foreach (var (kind, text) in Tokenize(sql))
        {
            if (kind == TokenKind.OpenParenthesis && name is not null && ForbiddenFunctions.ContainsKey(name))
            {
                return name.ToLowerInvariant();
            }

            name = kind is TokenKind.Word or TokenKind.QuotedIdentifier ? text : null;
        }

        return null;
    }

    private static string Describe(string start) =>
        RefusedStarts.TryGetValue(start, out var description)
            ? description
            : $"a statement starting with {start.ToUpperInvariant()}";

    // Names, parentheses and "other" tokens; whitespace, comments and literals are skipped (literals as Other).
    private static IEnumerable<(TokenKind Kind, string Text)> Tokenize(string sql)
    {
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && next == '-')
            {
                i = SkipLineComment(sql, i);
            }
            else if (c == '/' && next == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c == '(')
            {
                i++;
                yield return (TokenKind.OpenParenthesis, "(");
            }
            else if (c == ')')
            {
                i++;
                yield return (TokenKind.CloseParenthesis, ")");
            }
            else if (c == '\'')
            {
                var start = i;
                i = SkipString(sql, i, backslashEscapes: false);
                yield return (TokenKind.Other, sql[start..i]);
            }
            else if (c == '"')
            {
                (var identifier, i) = ReadQuotedIdentifier(sql, i);
                yield return (TokenKind.QuotedIdentifier, identifier);
            }
            else if (c == '$')
            {
                var start = i;
                i = SkipDollar(sql, i);
                yield return (TokenKind.Other, sql[start..i]);
            }
            else if (IsIdentifierStart(c))
            {
                var start = i;
                while (i < sql.Length && IsIdentifierPart(sql[i]))
                {
                    i++;
                }

                if (i - start == 1 && c is 'e' or 'E' && i < sql.Length && sql[i] == '\'')
                {
                    i = SkipString(sql, i, backslashEscapes: true); // E'...' escape string
                    yield return (TokenKind.Other, sql[start..i]);
                }
                else
                {
                    yield return (TokenKind.Word, sql[start..i]);
                }
            }
            else
            {
                i++; // a digit, an operator, the dot of a qualified name, ...
                yield return (TokenKind.Other, sql[(i - 1)..i]);
            }
        }
    }

    private static bool IsIdentifierStart(char c) => char.IsLetter(c) || c == '_' || c >= '\u0080';

    private static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || char.IsAsciiDigit(c) || c == '$';

    private static int SkipLineComment(string sql, int i)
    {
        var end = sql.IndexOf('\n', i);
        return end < 0 ? sql.Length : end + 1;
    }

    // Block comments nest, as in PostgreSQL's (and so DuckDB's) scanner.
    private static int SkipBlockComment(string sql, int i)
    {
        var depth = 0;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
            {
                i += 2;
                if (--depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    // 'it''s'; in an E'...' string a backslash escapes the next character too.
    private static int SkipString(string sql, int i, bool backslashEscapes)
    {
        i++;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (backslashEscapes && c == '\\')
            {
                i += 2;
            }
            else if (c == '\'')
            {
                if (i + 1 < sql.Length && sql[i + 1] == '\'')
                {
                    i += 2;
                }
                else
                {
                    return i + 1;
                }
            }
            else
            {
                i++;
            }
        }

        return Math.Min(i, sql.Length);
    }

    // "My ""quoted"" name": DuckDB matches quoted identifiers case-insensitively too.
    private static (string Identifier, int Next) ReadQuotedIdentifier(string sql, int i)
    {
        var name = new System.Text.StringBuilder();
        i++;
        while (i < sql.Length)
        {
            if (sql[i] == '"')
            {
                if (i + 1 < sql.Length && sql[i + 1] == '"')
                {
                    name.Append('"');
                    i += 2;
                    continue;
                }

                return (name.ToString(), i + 1);
            }

            name.Append(sql[i]);
            i++;
        }

        return (name.ToString(), i);
    }

    // $tag$ ... $tag$ (tag possibly empty) is a string; $1 or $name is a parameter.
    private static int SkipDollar(string sql, int i)
    {
        var tagEnd = i + 1;
        if (tagEnd < sql.Length && (char.IsLetter(sql[tagEnd]) || sql[tagEnd] == '_' || sql[tagEnd] == '$'))
        {
            while (tagEnd < sql.Length && (char.IsLetterOrDigit(sql[tagEnd]) || sql[tagEnd] == '_'))
            {
                tagEnd++;
            }

            if (tagEnd < sql.Length && sql[tagEnd] == '$')
            {
                var delimiter = sql[i..(tagEnd + 1)];
                var close = sql.IndexOf(delimiter, tagEnd + 1, StringComparison.Ordinal);
                return close < 0 ? sql.Length : close + delimiter.Length;
            }
        }

        while (tagEnd < sql.Length && (char.IsLetterOrDigit(sql[tagEnd]) || sql[tagEnd] == '_'))
        {
            tagEnd++;
        }

        return tagEnd;
    }
}
