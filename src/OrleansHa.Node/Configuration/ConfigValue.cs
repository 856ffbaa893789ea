namespace OrleansHa.Node.Configuration;

/// <summary>
/// A HOCON value and where it came from. After resolution (<see cref="HoconResolver"/>) a tree holds only
/// <see cref="ConfigObject"/>, <see cref="ConfigArray"/> and <see cref="ConfigScalar"/>; before it, it may also hold
/// substitutions, concatenations and delayed merges (see ConfigUnresolved.cs).
/// </summary>
internal abstract class ConfigValue
{
    protected ConfigValue(ConfigOrigin origin) => Origin = origin;

    /// <summary>Where this value was written.</summary>
    public ConfigOrigin Origin { get; }

    /// <summary>The value as a problem message shows it after "got": <c>"abc"</c>, <c>12</c>, <c>an object</c>.</summary>
    public abstract string Describe();
}

internal enum ConfigScalarKind
{
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>A string, number, boolean or null. <see cref="Text"/> is the string, or the number as written.</summary>
internal sealed class ConfigScalar : ConfigValue
{
    public ConfigScalar(ConfigScalarKind kind, string text, ConfigOrigin origin)
        : base(origin)
    {
        Kind = kind;
        Text = text;
    }

    public ConfigScalarKind Kind { get; }

    /// <summary>The string itself, the number as written, "true"/"false", or "null".</summary>
    public string Text { get; }

    public static ConfigScalar String(string text, ConfigOrigin origin) => new(ConfigScalarKind.String, text, origin);

    public override string Describe() => Kind == ConfigScalarKind.String ? Quote(Text) : Text;

    public override string ToString() => Describe();

    /// <summary>A JSON string literal for <paramref name="text"/>.</summary>
    public static string Quote(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length + 2);
        builder.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < ' ')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}

/// <summary>An array of values.</summary>
internal sealed class ConfigArray : ConfigValue
{
    public ConfigArray(IReadOnlyList<ConfigValue> items, ConfigOrigin origin)
        : base(origin) => Items = items;

    public IReadOnlyList<ConfigValue> Items { get; }

    public override string Describe() => "an array";
}
