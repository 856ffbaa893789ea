namespace OrleansHa.Node.Configuration;

/// <summary>
/// A parsed and resolved HOCON configuration with typed getters that throw <see cref="ConfigurationException"/>
/// naming the value's origin and key.
/// </summary>
internal sealed class HoconConfig
{
    private static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    public HoconConfig(ConfigObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = root;
    }

    /// <summary>The resolved tree.</summary>
    public ConfigObject Root { get; }

    /// <summary>
    /// Parses <paramref name="text"/> (shown in messages as <paramref name="name"/>), merges it over
    /// <paramref name="fallback"/> when given, and resolves it against itself and <paramref name="environment"/>.
    /// </summary>
    public static HoconConfig Parse(
        string text,
        string name = "<text>",
        IReadOnlyDictionary<string, string>? environment = null,
        ConfigObject? fallback = null)
    {
        ConfigObject tree = HoconParser.ParseDocument(text, ConfigOrigin.InFile(name, 1));
        return Resolve(fallback is null ? tree : ConfigObject.Merge(fallback, tree), environment);
    }

    /// <summary>Reads, parses and resolves <paramref name="file"/>.</summary>
    public static HoconConfig Load(string file, IReadOnlyDictionary<string, string>? environment = null) =>
        Resolve(HoconParser.ParseFile(file), environment);

    /// <summary>Resolves an unresolved tree, such as several parsed documents merged.</summary>
    public static HoconConfig Resolve(ConfigObject tree, IReadOnlyDictionary<string, string>? environment = null) =>
        new(HoconResolver.Resolve(tree, environment ?? NoEnvironment));

    /// <summary>The value at the path expression <paramref name="path"/>, or null.</summary>
    public ConfigValue? Find(string path) => Root.Find(ConfigPath.Parse(path, ConfigOrigin.Other("path")));

    public bool HasPath(string path) => Find(path) is not null;

    public string GetString(string path) =>
        ConfigValueReader.TryReadString(Get(path), out string? result, out string? error) ? result : throw Fail(path, error);

    public long GetLong(string path) =>
        ConfigValueReader.TryReadInteger(Get(path), out long result, out string? error) ? result : throw Fail(path, error);

    public int GetInt(string path)
    {
        long value = GetLong(path);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw Fail(path, $"{value} does not fit in 32 bits");
    }

    public bool GetBoolean(string path) =>
        ConfigValueReader.TryReadBoolean(Get(path), out bool result, out string? error) ? result : throw Fail(path, error);

    public TimeSpan GetDuration(string path) =>
        ConfigValueReader.TryReadDuration(Get(path), out TimeSpan result, out string? error) ? result : throw Fail(path, error);

    public ConfigObject GetObject(string path) =>
        Get(path) as ConfigObject ?? throw Fail(path, $"expected an object, got {Get(path).Describe()}");

    public IReadOnlyList<ConfigValue> GetList(string path) =>
        (Get(path) as ConfigArray)?.Items ?? throw Fail(path, $"expected an array, got {Get(path).Describe()}");

    public IReadOnlyList<string> GetStringList(string path) =>
        [.. GetList(path).Select(item =>
            ConfigValueReader.TryReadString(item, out string? text, out string? error)
                ? text
                : throw new ConfigurationException(new ConfigurationProblem(item.Origin, path, error)))];

    private ConfigValue Get(string path) =>
        Find(path) ?? throw new ConfigurationException(new ConfigurationProblem(null, path, "no value is set"));

    private ConfigurationException Fail(string path, string error) =>
        new(new ConfigurationProblem(Find(path)?.Origin, path, error));
}
