using System.Text;

namespace OrleansHa.Node.Configuration;

/// <summary>HOCON path expressions (<c>services.fabric.port</c>, <c>a."b.c"</c>) as lists of keys, and back.</summary>
internal static class ConfigPath
{
    /// <summary>Characters that end an unquoted string or key (besides whitespace and comments).</summary>
    public const string ForbiddenInUnquoted = "$\"{}[]:=,+#`^?!@*&\\";

    /// <summary>Splits <paramref name="text"/> as a HOCON path expression, throwing <see cref="ConfigurationException"/>.</summary>
    public static IReadOnlyList<string> Parse(string text, ConfigOrigin origin) => HoconParser.ParsePath(text, origin);

    /// <summary>The path as a HOCON path expression, quoting keys that need it.</summary>
    public static string Render(IEnumerable<string> segments) =>
        string.Join('.', segments.Select(s => NeedsQuotes(s) ? ConfigScalar.Quote(s) : s));

    /// <summary><paramref name="prefix"/> followed by <paramref name="key"/>.</summary>
    public static string Append(string? prefix, string key)
    {
        string rendered = NeedsQuotes(key) ? ConfigScalar.Quote(key) : key;
        return string.IsNullOrEmpty(prefix) ? rendered : prefix + "." + rendered;
    }

    /// <summary>Whether <paramref name="c"/> may appear in an unquoted string (a '/' may, unless it starts "//").</summary>
    public static bool IsUnquotedChar(int c) =>
        c >= ' ' && c != 0x7F && c != 0xFEFF && !char.IsWhiteSpace((char)c) && !ForbiddenInUnquoted.Contains((char)c, StringComparison.Ordinal);

    private static bool NeedsQuotes(string segment) =>
        segment.Length == 0
        || segment.Contains("//", StringComparison.Ordinal)
        || segment.Any(c => c == '.' || !IsUnquotedChar(c));
}

/// <summary>Collects the keys of a path expression from its quoted and unquoted pieces.</summary>
internal sealed class ConfigPathBuilder
{
    private readonly List<string> _segments = [];
    private readonly StringBuilder _current = new();
    private bool _currentHasContent;

    public bool IsEmpty => _segments.Count == 0 && !_currentHasContent && _current.Length == 0;

    /// <summary>Adds unquoted text, where each '.' starts a new key. Returns false when a key would be empty.</summary>
    public bool AddUnquoted(string text)
    {
        string[] parts = text.Split('.');
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0 && !EndSegment())
            {
                return false;
            }

            _current.Append(parts[i]);
            _currentHasContent |= parts[i].Length > 0;
        }

        return true;
    }

    /// <summary>Adds text that belongs to the current key as it is (quoted text, or whitespace inside a key).</summary>
    public void AddLiteral(string text, bool isContent)
    {
        _current.Append(text);
        _currentHasContent |= isContent;
    }

    /// <summary>The keys, or null when one of them is empty.</summary>
    public IReadOnlyList<string>? Finish() => EndSegment() ? _segments : null;

    private bool EndSegment()
    {
        if (!_currentHasContent)
        {
            return false;
        }

        _segments.Add(_current.ToString());
        _current.Clear();
        _currentHasContent = false;
        return true;
    }
}
