namespace OrleansHa.Node.Configuration;

/// <summary>A value that only <see cref="HoconResolver"/> can turn into an object, array or scalar.</summary>
internal abstract class ConfigUnresolved : ConfigValue
{
    protected ConfigUnresolved(ConfigOrigin origin)
        : base(origin)
    {
    }
}

/// <summary><c>${path}</c>, or <c>${?path}</c> when <see cref="Optional"/>.</summary>
internal sealed class ConfigSubstitution : ConfigUnresolved
{
    public ConfigSubstitution(IReadOnlyList<string> path, bool optional, ConfigOrigin origin)
        : base(origin)
    {
        Path = path;
        Optional = optional;
    }

    public IReadOnlyList<string> Path { get; }

    public bool Optional { get; }

    /// <summary>The path as written between the braces, which is also the environment variable name looked up.</summary>
    public string PathText => ConfigPath.Render(Path);

    public string Expression => Optional ? "${?" + PathText + "}" : "${" + PathText + "}";

    public override string Describe() => Expression;
}

/// <summary>
/// Values written side by side on one line (<c>${paths.local}"/db"</c>, <c>"a" b ${c}</c>, <c>{a:1} {b:2}</c>).
/// <see cref="Parts"/> includes the whitespace between them (<see cref="ConfigWhitespace"/>), which counts only
/// when the result is a string.
/// </summary>
internal sealed class ConfigConcatenation : ConfigUnresolved
{
    public ConfigConcatenation(IReadOnlyList<ConfigValue> parts, ConfigOrigin origin)
        : base(origin) => Parts = parts;

    public IReadOnlyList<ConfigValue> Parts { get; }

    public override string Describe() => string.Concat(Parts.Select(p => p.Describe()));
}

/// <summary>Whitespace between the parts of a <see cref="ConfigConcatenation"/>.</summary>
internal sealed class ConfigWhitespace : ConfigValue
{
    public ConfigWhitespace(string text, ConfigOrigin origin)
        : base(origin) => Text = text;

    public string Text { get; }

    public override string Describe() => Text;
}

/// <summary>
/// A key written several times where a later value is not resolved yet (or an earlier one is not and the later one is
/// an object). <see cref="Layers"/> lists the values lowest first; resolution takes the highest defined one and merges
/// objects downwards.
/// </summary>
internal sealed class ConfigDelayedMerge : ConfigUnresolved
{
    private ConfigDelayedMerge(IReadOnlyList<ConfigValue> layers, ConfigOrigin origin)
        : base(origin) => Layers = layers;

    public IReadOnlyList<ConfigValue> Layers { get; }

    public static ConfigDelayedMerge Of(ConfigValue lower, ConfigValue higher)
    {
        var layers = new List<ConfigValue>();
        AddLayers(layers, lower);
        AddLayers(layers, higher);
        return new ConfigDelayedMerge(layers, higher.Origin);
    }

    public override string Describe() => Layers[^1].Describe();

    private static void AddLayers(List<ConfigValue> layers, ConfigValue value)
    {
        if (value is ConfigDelayedMerge merge)
        {
            layers.AddRange(merge.Layers);
        }
        else
        {
            layers.Add(value);
        }
    }
}
