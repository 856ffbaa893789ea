namespace OrleansHa.Node.Configuration;

/// <summary>
/// The node's command line: <c>--config &lt;file&gt;</c> (or <c>--config=&lt;file&gt;</c>) names the configuration file,
/// and <c>--set key=value</c> (or <c>--set=key=value</c>, repeatable; a later one for the same key wins) overrides any
/// key over the file and the environment. The key is a HOCON path (<c>services.coordinator.web.port</c>), the value is
/// read by <see cref="ConfigurationOverrides.ParseValue"/>. Any other argument is an error.
/// </summary>
internal sealed class NodeCommandLine
{
    public const string ConfigSwitch = "--config";
    public const string SetSwitch = "--set";

    private NodeCommandLine(string? configFile, ConfigObject overrides)
    {
        ConfigFile = configFile;
        Overrides = overrides;
    }

    /// <summary>The file named by <c>--config</c>, or null.</summary>
    public string? ConfigFile { get; }

    /// <summary>The <c>--set</c> settings as one object.</summary>
    public ConfigObject Overrides { get; }

    /// <summary>Reads <paramref name="args"/>, adding what is wrong with them to <paramref name="problems"/>.</summary>
    public static NodeCommandLine Parse(IReadOnlyList<string> args, List<ConfigurationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(problems);
        string? configFile = null;
        var overrides = ConfigObject.Empty(ConfigOrigin.Other("command line"));
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == ConfigSwitch || arg.StartsWith(ConfigSwitch + "=", StringComparison.Ordinal))
            {
                string? file = TakeOperand(args, ref i, ConfigSwitch, problems, "a file name");
                if (file is null)
                {
                    continue;
                }

                if (configFile is not null)
                {
                    problems.Add(new ConfigurationProblem(ConfigOrigin.Other("command line"), null,
                        $"{ConfigSwitch} is given twice ('{configFile}' and '{file}')"));
                }

                configFile = file;
            }
            else if (arg == SetSwitch || arg.StartsWith(SetSwitch + "=", StringComparison.Ordinal))
            {
                string? setting = TakeOperand(args, ref i, SetSwitch, problems, "key=value");
                if (setting is not null && ParseSetting(setting, problems) is ConfigObject setObject)
                {
                    overrides = ConfigObject.Merge(overrides, setObject);
                }
            }
            else
            {
                problems.Add(new ConfigurationProblem(ConfigOrigin.Other("command line"), null,
                    $"unknown argument '{arg}'; the node takes {ConfigSwitch} <file> and {SetSwitch} key=value"));
            }
        }

        return new NodeCommandLine(configFile, overrides);
    }

    private static string? TakeOperand(IReadOnlyList<string> args, ref int i, string name, List<ConfigurationProblem> problems, string what)
    {
        string arg = args[i];
        if (arg.Length > name.Length)
        {
            return arg[(name.Length + 1)..];
        }

        if (i + 1 < args.Count)
        {
            return args[++i];
        }

        problems.Add(new ConfigurationProblem(ConfigOrigin.Other("command line"), null, $"{name} needs {what} after it"));
        return null;
    }

    private static ConfigObject? ParseSetting(string setting, List<ConfigurationProblem> problems)
    {
        var origin = ConfigOrigin.Other($"command line ({SetSwitch} {setting})");
        int equals = IndexOfEqualsOutsideQuotes(setting);
        if (equals < 0)
        {
            problems.Add(new ConfigurationProblem(origin, null, $"'{setting}' is not key=value"));
            return null;
        }

        IReadOnlyList<string> path;
        try
        {
            path = ConfigPath.Parse(setting[..equals].Trim(), origin);
        }
        catch (ConfigurationException ex)
        {
            problems.Add(new ConfigurationProblem(origin, null, $"'{setting[..equals]}' is not a key: {ex.Problems[0].Detail}"));
            return null;
        }

        return ConfigurationOverrides.TryParseValue(setting[(equals + 1)..], origin, ConfigPath.Render(path), problems, out ConfigValue? value)
            ? ConfigObject.Nest(path, value, origin)
            : null;
    }

    private static int IndexOfEqualsOutsideQuotes(string text)
    {
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (text[i] == '\\' && quoted)
            {
                i++;
            }
            else if (text[i] == '=' && !quoted)
            {
                return i;
            }
        }

        return -1;
    }
}
