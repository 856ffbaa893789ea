namespace OrleansHa.Node.Configuration;

/// <summary>
/// Parses HOCON as dremio.conf uses it into an unresolved tree (substitutions stay as they are until
/// <see cref="HoconResolver"/> runs over the merged configuration).
/// </summary>
/// <remarks>
/// Supported: a root object with or without braces; nested objects; dotted keys (<c>a.b.c: 1</c>) and quoted keys;
/// <c>:</c>, <c>=</c> or nothing (before <c>{</c>) between key and value; fields and array elements separated by
/// new lines or commas (one trailing comma allowed); <c>#</c> and <c>//</c> comments; quoted strings with JSON escapes,
/// triple-quoted strings, unquoted strings, numbers, booleans, null, arrays; repeated keys (objects merge, later values
/// win); <c>${path}</c> and <c>${?path}</c> substitutions; value concatenation on one line. Not supported, and reported
/// as such: <c>include</c>, <c>+=</c>. Differences from the spec on purpose: a value must start on the line of its
/// key's ':' or '=' (so that a missing value is reported where it is missing), and nesting is limited to
/// <see cref="MaxDepth"/> levels. Every error is a <see cref="ConfigurationException"/> naming source, line and key.
/// </remarks>
internal sealed partial class HoconParser
{
    /// <summary>How deeply objects, arrays and dotted keys may nest.</summary>
    public const int MaxDepth = 100;

    private readonly string _text;
    private readonly ConfigOrigin _source;
    private readonly bool _allowComments;
    private readonly List<string> _path = [];
    private int _pos;
    private int _line = 1;
    private int _depth;

    private HoconParser(string text, ConfigOrigin source, bool allowComments)
    {
        _text = text;
        _source = source;
        _allowComments = allowComments;
    }

    /// <summary>Parses a whole configuration document, whose root is an object with or without braces.</summary>
    public static ConfigObject ParseDocument(string text, ConfigOrigin source)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new HoconParser(text, source.AtLine(1), allowComments: true).ParseRoot();
    }

    /// <summary>Reads and parses <paramref name="path"/>; a file that is missing or unreadable is a problem naming it.</summary>
    public static ConfigObject ParseFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var origin = ConfigOrigin.Other(path) with { File = path };
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigurationException(new ConfigurationProblem(null, null, "the configuration file name is empty"));
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigurationException(new ConfigurationProblem(origin, null, "the configuration file does not exist"), ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ConfigurationException(
                new ConfigurationProblem(origin, null, $"the configuration file cannot be read: {ex.Message}"), ex);
        }

        return ParseDocument(text, ConfigOrigin.InFile(path, 1));
    }

    /// <summary>
    /// Parses <paramref name="text"/> as one value (the right-hand side of a field), which must be all of it.
    /// Without <paramref name="allowComments"/>, '#' and "//" are plain characters that end an unquoted string.
    /// </summary>
    public static ConfigValue ParseValue(string text, ConfigOrigin source, bool allowComments = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new HoconParser(text, source.AtLine(1), allowComments);
        parser.SkipSpace(newlines: true);
        if (parser.AtValueEnd())
        {
            throw parser.Error(parser._line, "missing value");
        }

        ConfigValue value = parser.ParseConcatenation();
        parser.SkipSpace(newlines: true);
        if (parser.Peek() != -1)
        {
            throw parser.Error(parser._line, $"unexpected {Show(parser.Peek())} after the value" + QuoteHint(parser.Peek()));
        }

        return value;
    }

    /// <summary>Parses a path expression such as <c>services.fabric.port</c> or <c>a."b.c"</c>.</summary>
    public static IReadOnlyList<string> ParsePath(string text, ConfigOrigin source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new HoconParser(text, source.AtLine(1), allowComments: false);
        parser.SkipSpace(newlines: false);
        IReadOnlyList<string> path = parser.ParseKey(out _);
        parser.SkipSpace(newlines: false);
        if (parser.Peek() != -1)
        {
            throw parser.Error(parser._line, $"'{text}' is not a valid key: unexpected {Show(parser.Peek())}");
        }

        return path;
    }

    private string? CurrentKey => _path.Count == 0 ? null : ConfigPath.Render(_path);

    private ConfigObject ParseRoot()
    {
        SkipSpace(newlines: true);
        ConfigObject root;
        if (Peek() == '{')
        {
            root = ParseBracedObject();
            SkipSpace(newlines: true);
            if (Peek() != -1)
            {
                throw Error(_line, $"unexpected {Show(Peek())} after the '}}' that closes the root object");
            }
        }
        else if (Peek() == '[')
        {
            throw Error(_line, "the root of a configuration must be an object, not an array");
        }
        else
        {
            root = ParseFields(braced: false, openLine: 1);
        }

        return root;
    }

    private ConfigObject ParseBracedObject()
    {
        int openLine = _line;
        Advance();
        Enter(1);
        ConfigObject result = ParseFields(braced: true, openLine);
        Leave(1);
        return result;
    }

    private ConfigObject ParseFields(bool braced, int openLine)
    {
        var fields = new OrderedDictionary<string, ConfigValue>(StringComparer.Ordinal);
        while (true)
        {
            SkipSpace(newlines: true);
            int c = Peek();
            if (c == -1)
            {
                if (braced)
                {
                    throw Error(openLine, $"the '{{' on line {Num(openLine)} is never closed (the text ends on line {Num(_line)})");
                }

                break;
            }

            if (c == '}')
            {
                if (!braced)
                {
                    throw Error(_line, "unexpected '}' with no '{' to close");
                }

                Advance();
                break;
            }

            if (c == ',')
            {
                throw Error(_line, "unexpected ','; a field is missing before it");
            }

            string key = ParseField(fields);
            SkipSpace(newlines: false);
            c = Peek();
            if (c == ',')
            {
                Advance();
            }
            else if (c is not ('\n' or '}' or -1))
            {
                throw Error(_line, key, $"expected ',' or a new line after the value, got {Show(c)}" + QuoteHint(c));
            }
        }

        return new ConfigObject(fields, _source.AtLine(openLine));
    }

    /// <summary>Parses <c>key: value</c>, <c>key = value</c> or <c>key { ... }</c> into <paramref name="fields"/>; returns the full key.</summary>
    private string ParseField(OrderedDictionary<string, ConfigValue> fields)
    {
        int keyLine = _line;
        IReadOnlyList<string> path = ParseKey(out string rawKey);
        _path.AddRange(path);
        Enter(path.Count);
        string fullKey = CurrentKey!;
        SkipSpace(newlines: false, comments: false);
        int c = Peek();
        ConfigValue value;
        if (c is ':' or '=')
        {
            Advance();
            SkipSpace(newlines: false, comments: false);
            if (AtValueEnd())
            {
                throw Error(keyLine, $"missing value after '{(char)c}'");
            }

            value = ParseConcatenation();
        }
        else if (c == '{')
        {
            value = ParseConcatenation();
        }
        else if (c == '+' && Peek(1) == '=')
        {
            throw Error(_line, "'+=' is not supported; write the whole value");
        }
        else if (rawKey.StartsWith("include", StringComparison.Ordinal) && rawKey.Length > 7 && char.IsWhiteSpace(rawKey[7]))
        {
            throw Error(keyLine, null, "'include' is not supported; put the whole configuration in one file");
        }
        else
        {
            throw Error(_line, $"expected ':', '=' or '{{' after the key, got {Show(c)}");
        }

        Leave(path.Count);
        _path.RemoveRange(_path.Count - path.Count, path.Count);

        ConfigValue nested = path.Count == 1 ? value : ConfigObject.Nest([.. path.Skip(1)], value, _source.AtLine(keyLine));
        fields[path[0]] = fields.TryGetValue(path[0], out ConfigValue? existing)
            ? ConfigObject.MergeValues(existing, nested)
            : nested;
        return fullKey;
    }

    /// <summary>Reads a key (a path expression) up to what follows it; <paramref name="raw"/> is the key as written.</summary>
    private IReadOnlyList<string> ParseKey(out string raw)
    {
        int start = _pos;
        int line = _line;
        var builder = new ConfigPathBuilder();
        bool any = false;
        string pendingSpace = string.Empty;
        while (true)
        {
            int c = Peek();
            if (c == '"')
            {
                if (Peek(1) == '"' && Peek(2) == '"')
                {
                    throw Error(_line, "a triple-quoted string cannot be a key");
                }

                builder.AddLiteral(pendingSpace, isContent: false);
                builder.AddLiteral(ParseQuotedString(), isContent: true);
            }
            else if (ConfigPath.IsUnquotedChar(c) && !AtComment())
            {
                builder.AddLiteral(pendingSpace, isContent: false);
                if (!builder.AddUnquoted(ReadUnquoted()))
                {
                    throw Error(line, $"the key '{_text[start.._pos].Trim()}' has an empty part between dots; quote keys that contain '.'");
                }
            }
            else if (any && IsInlineWhitespace(c))
            {
                int wsStart = _pos;
                while (IsInlineWhitespace(Peek()))
                {
                    Advance();
                }

                pendingSpace = _text[wsStart.._pos];
                continue;
            }
            else
            {
                break;
            }

            any = true;
            pendingSpace = string.Empty;
        }

        raw = _text[start.._pos].Trim();
        if (!any)
        {
            throw Error(_line, $"expected a key, got {Show(Peek())}");
        }

        // Leave the whitespace after the key for the caller.
        _pos -= pendingSpace.Length;
        return builder.Finish()
            ?? throw Error(line, $"the key '{raw}' has an empty part between dots; quote keys that contain '.'");
    }

    private ConfigArray ParseArray()
    {
        int openLine = _line;
        Advance();
        Enter(1);
        var items = new List<ConfigValue>();
        while (true)
        {
            SkipSpace(newlines: true);
            int c = Peek();
            if (c == -1)
            {
                throw Error(openLine, $"the '[' on line {Num(openLine)} is never closed (the text ends on line {Num(_line)})");
            }

            if (c == ']')
            {
                Advance();
                break;
            }

            if (c == ',')
            {
                throw Error(_line, "unexpected ','; an array element is missing before it");
            }

            items.Add(ParseConcatenation());
            SkipSpace(newlines: false);
            c = Peek();
            if (c == ',')
            {
                Advance();
            }
            else if (c is not ('\n' or ']' or -1))
            {
                throw Error(_line, $"expected ',', a new line or ']' after an array element, got {Show(c)}" + QuoteHint(c));
            }
        }

        Leave(1);
        return new ConfigArray(items, _source.AtLine(openLine));
    }

    /// <summary>One value, or several written side by side on one line (a concatenation).</summary>
    private ConfigValue ParseConcatenation()
    {
        int line = _line;
        var parts = new List<ConfigValue>();
        while (true)
        {
            int c = Peek();
            ConfigValue part;
            if (c == '{')
            {
                part = ParseBracedObject();
            }
            else if (c == '[')
            {
                part = ParseArray();
            }
            else if (c == '"')
            {
                int stringLine = _line;
                string text = Peek(1) == '"' && Peek(2) == '"' ? ParseTripleQuotedString() : ParseQuotedString();
                part = ConfigScalar.String(text, _source.AtLine(stringLine));
            }
            else if (c == '$')
            {
                part = ParseSubstitution();
            }
            else if (ConfigPath.IsUnquotedChar(c) && !AtComment())
            {
                part = ParseUnquotedValue();
            }
            else if (parts.Count == 0)
            {
                throw Error(_line, AtValueEnd()
                    ? "missing value"
                    : $"unexpected {Show(c)} where a value should start" + QuoteHint(c));
            }
            else
            {
                break;
            }

            parts.Add(part);
            int wsStart = _pos;
            while (IsInlineWhitespace(Peek()))
            {
                Advance();
            }

            if (_pos > wsStart && StartsValue(Peek()))
            {
                parts.Add(new ConfigWhitespace(_text[wsStart.._pos], _source.AtLine(_line)));
            }
        }

        return parts.Count == 1 ? parts[0] : new ConfigConcatenation(parts, _source.AtLine(line));
    }

    private void Enter(int levels)
    {
        _depth += levels;
        if (_depth > MaxDepth)
        {
            throw Error(_line, $"objects, arrays and dotted keys nest more than {Num(MaxDepth)} levels deep");
        }
    }

    private void Leave(int levels) => _depth -= levels;
}
