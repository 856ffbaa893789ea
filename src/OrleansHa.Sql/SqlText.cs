using System.Collections.Frozen;

namespace OrleansHa.Sql;

/// <summary>
/// The text of a query, tokenised as DuckDB's (PostgreSQL's) scanner does: comments (nested block comments too),
/// string literals (with <c>''</c>, <c>E'\''</c> and <c>$tag$...$tag$</c>) and quoted identifiers are told apart, so a
/// word is found in any case, while a string or a comment that merely mentions it is left alone. The executors' sandbox
/// refuses a query that does not start as a read; the grain client resubmits by itself only a query that does.
/// </summary>
public static class SqlText
{
    // The words a statement that reads starts with. EXPLAIN is followed by one of the others.
    private static readonly FrozenSet<string> ReadingStarts = new[]
    {
        "select", "from", "with", "values", "table", "describe", "desc", "show", "summarize", "pivot", "unpivot",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    internal enum TokenKind
    {
        Word,
        QuotedIdentifier,
        OpenParenthesis,
        CloseParenthesis,
        Other,
    }

    /// <summary>
    /// Whether <paramref name="sql"/> starts like a statement that only reads (SELECT, FROM, WITH, VALUES, TABLE,
    /// DESCRIBE, SHOW, SUMMARIZE, PIVOT, or EXPLAIN of one of them), possibly after comments and opening parentheses.
    /// More than one statement, or none, is not a read.
    /// </summary>
    public static bool IsRead(string sql)
    {
        if (FindNonReadingStart(sql) is not null)
        {
            return false;
        }

        var words = 0;
        var ended = false;
        foreach (var (kind, text) in Tokenize(sql))
        {
            if (kind == TokenKind.Other && text == ";")
            {
                ended = true;
            }
            else if (ended)
            {
                return false; // a second statement
            }
            else
            {
                words++;
            }
        }

        return words > 0;
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

    /// <summary>
    /// Every name <paramref name="sql"/> mentions (bare words and quoted identifiers, outside comments and string
    /// literals), compared without case as DuckDB compares identifiers: the catalog names a query may use.
    /// </summary>
    public static IReadOnlySet<string> NamesIn(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return Tokenize(sql)
            .Where(token => token.Kind is TokenKind.Word or TokenKind.QuotedIdentifier)
            .Select(token => token.Text)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    // Names, parentheses and "other" tokens; whitespace, comments and literals are skipped (literals as Other).
    internal static IEnumerable<(TokenKind Kind, string Text)> Tokenize(string sql)
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
