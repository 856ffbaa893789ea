namespace OrleansHa.Node.Configuration;

/// <summary>
/// Settings from environment variables, merged over the configuration file (and under the command line).
/// </summary>
/// <remarks>
/// A variable <c>ORLEANSHA__&lt;part&gt;__&lt;part&gt;...</c> sets the key whose parts are joined by '.'; the prefix
/// is matched ignoring case, and each part is matched against the known keys ignoring case with '_' standing for '-',
/// so <c>ORLEANSHA__SERVICES__COORDINATOR__MASTER__EMBEDDED_ZOOKEEPER__PORT=2182</c> and
/// <c>ORLEANSHA__services__coordinator__master__embedded-zookeeper__port=2182</c> both set
/// <c>services.coordinator.master.embedded-zookeeper.port</c>. Parts after the first that matches no known key are
/// kept as written (so a typo under <c>services</c> is reported as an unknown key). The value is read as a HOCON value
/// (see <see cref="ParseValue"/>). Two variables that name the same key are an error.
/// </remarks>
internal static class ConfigurationOverrides
{
    public const string EnvironmentPrefix = "ORLEANSHA__";
    public const string EnvironmentSeparator = "__";

    private static readonly Dictionary<string, IReadOnlyList<string>> KnownByEnvironmentName = NodeConfigurationSchema.Keys
        .Concat(NodeConfigurationSchema.Objects)
        .ToDictionary(key => string.Join(EnvironmentSeparator, key.Split('.').Select(Normalize)),
            key => (IReadOnlyList<string>)key.Split('.'), StringComparer.Ordinal);

    /// <summary>The settings of the <c>ORLEANSHA__</c> variables in <paramref name="environment"/>, as one object.</summary>
    public static ConfigObject FromEnvironment(IReadOnlyDictionary<string, string> environment, List<ConfigurationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(problems);
        var result = ConfigObject.Empty(ConfigOrigin.Other("environment"));
        var setBy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, string text) in environment.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var origin = ConfigOrigin.Other($"environment ({name})");
            string[] parts = name[EnvironmentPrefix.Length..].Split(EnvironmentSeparator);
            if (parts.Any(part => part.Length == 0))
            {
                problems.Add(new ConfigurationProblem(origin, null,
                    $"'{name}' does not name a key: write {EnvironmentPrefix} and the key's parts joined by '{EnvironmentSeparator}', as in ORLEANSHA__services__fabric__port"));
                continue;
            }

            IReadOnlyList<string> path = MapToKnownKey(parts);
            string key = ConfigPath.Render(path);
            if (setBy.TryGetValue(key, out string? other))
            {
                problems.Add(new ConfigurationProblem(origin, key, $"is also set by the environment variable {other}; set it once"));
                continue;
            }

            setBy[key] = name;
            if (TryParseValue(text, origin, key, problems, out ConfigValue? value))
            {
                result = ConfigObject.Merge(result, ConfigObject.Nest(path, value, origin));
            }
        }

        return result;
    }

    /// <summary>
    /// An override's value (from <c>--set</c> or an environment variable) read as a HOCON value, so <c>9048</c> is a
    /// number and <c>true</c> a boolean. Text that is not one whole HOCON value (<c>zk1:2181,zk2:2181</c>,
    /// <c>abc#1</c>) is taken verbatim as a string, unless it starts with '{', '[' or '"' or contains "${", where a
    /// parse error is more likely a mistake and is reported. '#' and "//" do not start comments here.
    /// </summary>
    public static ConfigValue ParseValue(string text, ConfigOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return HoconParser.ParseValue(text, origin, allowComments: false);
        }
        catch (ConfigurationException) when (!LooksStructured(text))
        {
            return ConfigScalar.String(text, origin);
        }
    }

    /// <summary><see cref="ParseValue"/>, reporting a failure as a problem with <paramref name="key"/>.</summary>
    public static bool TryParseValue(
        string text, ConfigOrigin origin, string key, List<ConfigurationProblem> problems, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ConfigValue? value)
    {
        ArgumentNullException.ThrowIfNull(problems);
        try
        {
            value = ParseValue(text, origin);
            return true;
        }
        catch (ConfigurationException ex)
        {
            problems.Add(new ConfigurationProblem(origin, key, $"the value '{text}' does not parse: {ex.Problems[0].Detail}"));
            value = null;
            return false;
        }
    }

    private static string[] MapToKnownKey(string[] parts)
    {
        for (int count = parts.Length; count > 0; count--)
        {
            string normalized = string.Join(EnvironmentSeparator, parts.Take(count).Select(Normalize));
            if (KnownByEnvironmentName.TryGetValue(normalized, out IReadOnlyList<string>? known))
            {
                return [.. known, .. parts.Skip(count)];
            }
        }

        return parts;
    }

    private static string Normalize(string part) => part.ToUpperInvariant().Replace('-', '_');

    private static bool LooksStructured(string text)
    {
        string trimmed = text.TrimStart();
        return trimmed.StartsWith('{') || trimmed.StartsWith('[') || trimmed.StartsWith('"')
            || text.Contains("${", StringComparison.Ordinal);
    }
}
