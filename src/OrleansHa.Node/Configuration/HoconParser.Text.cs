using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace OrleansHa.Node.Configuration;

/// <summary>Strings, unquoted text, substitutions, whitespace and comments, and error reporting.</summary>
internal sealed partial class HoconParser
{
    private int Peek(int offset = 0)
    {
        int index = _pos + offset;
        return index < _text.Length ? _text[index] : -1;
    }

    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
        }

        _pos++;
    }

    private static bool IsInlineWhitespace(int c) => c >= 0 && c != '\n' && (char.IsWhiteSpace((char)c) || c == 0xFEFF);

    private bool AtComment() => _allowComments && (Peek() == '#' || (Peek() == '/' && Peek(1) == '/'));

    /// <summary>Where a value ends: a new line, a separator, a closing bracket, a comment, or the end.</summary>
    private bool AtValueEnd() => Peek() is -1 or '\n' or ',' or '}' or ']' || AtComment();

    private bool StartsValue(int c) => c is '{' or '[' or '"' or '$' || (ConfigPath.IsUnquotedChar(c) && !AtComment());

    /// <summary>Skips whitespace, comments (unless told not to) and, with <paramref name="newlines"/>, new lines.</summary>
    private void SkipSpace(bool newlines, bool comments = true)
    {
        while (true)
        {
            int c = Peek();
            if (IsInlineWhitespace(c) || (newlines && c == '\n'))
            {
                Advance();
            }
            else if (comments && AtComment())
            {
                while (Peek() is not (-1 or '\n'))
                {
                    Advance();
                }
            }
            else
            {
                return;
            }
        }
    }

    private string ReadUnquoted()
    {
        int start = _pos;
        while (ConfigPath.IsUnquotedChar(Peek()) && !AtComment())
        {
            Advance();
        }

        return _text[start.._pos];
    }

    private ConfigScalar ParseUnquotedValue()
    {
        ConfigOrigin origin = _source.AtLine(_line);
        string text = ReadUnquoted();
        ConfigScalarKind kind = text switch
        {
            "true" or "false" => ConfigScalarKind.Boolean,
            "null" => ConfigScalarKind.Null,
            _ when NumberPattern().IsMatch(text) => ConfigScalarKind.Number,
            _ => ConfigScalarKind.String,
        };
        return new ConfigScalar(kind, text, origin);
    }

    /// <summary>A JSON string: <c>"..."</c> with JSON escapes, ending on the line it starts.</summary>
    private string ParseQuotedString()
    {
        int startLine = _line;
        Advance();
        var builder = new StringBuilder();
        while (true)
        {
            int c = Peek();
            if (c is -1 or '\n' or '\r')
            {
                throw Error(startLine, "unclosed string: a quoted string must end with '\"' on the line it starts");
            }

            Advance();
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c == '\\')
            {
                builder.Append(ParseEscape(startLine));
            }
            else if (c < ' ' && c != '\t')
            {
                throw Error(_line, $"{Show(c)} in a quoted string; write it as an escape such as \\n or \\u0001");
            }
            else
            {
                builder.Append((char)c);
            }
        }
    }

    private char ParseEscape(int startLine)
    {
        int e = Peek();
        if (e is -1 or '\n' or '\r')
        {
            throw Error(startLine, "unclosed string: a quoted string must end with '\"' on the line it starts");
        }

        Advance();
        switch (e)
        {
            case '"': return '"';
            case '\\': return '\\';
            case '/': return '/';
            case 'b': return '\b';
            case 'f': return '\f';
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case 'u':
                int start = _pos;
                while (_pos < _text.Length && _pos - start < 4 && char.IsAsciiHexDigit(_text[_pos]))
                {
                    Advance();
                }

                if (_pos - start < 4)
                {
                    throw Error(_line, $"invalid escape '\\u{_text[start.._pos]}' in a quoted string: \\u needs four hex digits");
                }

                return (char)int.Parse(_text.AsSpan(start, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            default:
                throw Error(_line,
                    $"invalid escape '\\{(char)e}' in a quoted string; the escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
        }
    }

    /// <summary><c>"""..."""</c>: raw text, new lines included; extra quotes before the closing three belong to it.</summary>
    private string ParseTripleQuotedString()
    {
        int startLine = _line;
        int contentStart = _pos + 3;
        int end = _text.IndexOf("\"\"\"", contentStart, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Error(startLine, $"the triple-quoted string on line {Num(startLine)} is never closed");
        }

        while (end + 3 < _text.Length && _text[end + 3] == '"')
        {
            end++;
        }

        while (_pos < end + 3)
        {
            Advance();
        }

        return _text[contentStart..end];
    }

    /// <summary><c>${path}</c> or <c>${?path}</c>.</summary>
    private ConfigSubstitution ParseSubstitution()
    {
        int startLine = _line;
        int start = _pos;
        if (Peek(1) != '{')
        {
            throw Error(_line, "'$' must start a substitution such as ${paths.local}; quote strings that contain '$'");
        }

        Advance();
        Advance();
        bool optional = Peek() == '?';
        if (optional)
        {
            Advance();
        }

        var builder = new ConfigPathBuilder();
        while (true)
        {
            int c = Peek();
            if (c == '}')
            {
                Advance();
                break;
            }

            if (c == '"')
            {
                builder.AddLiteral(ParseQuotedString(), isContent: true);
            }
            else if (ConfigPath.IsUnquotedChar(c))
            {
                int pieceStart = _pos;
                while (ConfigPath.IsUnquotedChar(Peek()))
                {
                    Advance();
                }

                if (!builder.AddUnquoted(_text[pieceStart.._pos]))
                {
                    throw Error(startLine, $"the substitution '{_text[start.._pos]}...' has an empty part between dots");
                }
            }
            else if (c is -1 or '\n')
            {
                throw Error(startLine, "unclosed substitution: '${' without a closing '}' on the same line");
            }
            else
            {
                throw Error(_line, $"unexpected {Show(c)} in a substitution; write ${{path}} or ${{?path}}");
            }
        }

        if (builder.IsEmpty)
        {
            throw Error(startLine, $"empty substitution '{_text[start.._pos]}'");
        }

        IReadOnlyList<string> path = builder.Finish()
            ?? throw Error(startLine, $"the substitution '{_text[start.._pos]}' has an empty part between dots");
        return new ConfigSubstitution(path, optional, _source.AtLine(startLine));
    }

    private ConfigurationException Error(int line, string detail) => Error(line, CurrentKey, detail);

    private ConfigurationException Error(int line, string? key, string detail) =>
        new(new ConfigurationProblem(_source.AtLine(line), key, detail));

    private static string Show(int c) => c switch
    {
        -1 => "the end of the text",
        '\n' => "a new line",
        < ' ' or 0x7F or 0xFEFF => $"the control character U+{c.ToString("X4", CultureInfo.InvariantCulture)}",
        _ => $"'{(char)c}'",
    };

    private static string QuoteHint(int c) =>
        c >= 0 && ConfigPath.ForbiddenInUnquoted.Contains((char)c, StringComparison.Ordinal)
            ? $"; quote strings that contain '{(char)c}'"
            : string.Empty;

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE]-?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();
}
