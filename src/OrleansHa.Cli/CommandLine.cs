namespace OrleansHa.Cli;

/// <summary>Bad usage: the message says what, and the command exits with <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The parsed command line: options (<c>--name value</c>, <c>--name=value</c>, or a short alias) anywhere, the rest
/// positional; <c>--</c> ends the options.
/// </summary>
internal sealed class CommandLine
{
    /// <summary>Options that take a value, by every name they answer to, with their canonical name.</summary>
    private static readonly Dictionary<string, string> ValueOptions = new(StringComparer.Ordinal)
    {
        ["--zookeeper"] = "zookeeper",
        ["-z"] = "zookeeper",
        ["--cluster"] = "cluster",
        ["-c"] = "cluster",
        ["--user"] = "user",
        ["-u"] = "user",
        ["--password"] = "password",
        ["-p"] = "password",
        ["--format"] = "format",
        ["-f"] = "format",
        ["--limit"] = "limit",
        ["-n"] = "limit",
        ["--timeout"] = "timeout",
    };

    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--no-resubmit"] = "no-resubmit",
        ["--help"] = "help",
        ["-h"] = "help",
    };

    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLine(List<string> positional) => Positional = positional;

    public IReadOnlyList<string> Positional { get; }

    public bool Has(string flag) => _flags.Contains(flag);

    public string? Get(string option) => _options.GetValueOrDefault(option);

    /// <summary>An option's value as a positive whole number, or <paramref name="fallback"/> if it was not given.</summary>
    public int GetPositive(string option, int fallback)
    {
        if (Get(option) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new UsageException($"--{option} takes a positive whole number, not '{text}'.");
    }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        var line = new CommandLine(positional);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                positional.AddRange(args.Skip(i + 1));
                break;
            }

            if (!LooksLikeOption(arg))
            {
                positional.Add(arg);
                continue;
            }

            string name = arg;
            string? value = null;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }

            if (Flags.TryGetValue(name, out string? flag))
            {
                if (value is not null)
                {
                    throw new UsageException($"{name} takes no value.");
                }

                line._flags.Add(flag);
            }
            else if (ValueOptions.TryGetValue(name, out string? option))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Count)
                    {
                        throw new UsageException($"{name} needs a value.");
                    }

                    value = args[++i];
                }

                line._options[option] = value;
            }
            else
            {
                throw new UsageException($"Unknown option '{name}'.");
            }
        }

        return line;
    }

    // "-z", "--format", "--format=csv"; not "-- a comment" or "-1" (SQL and values may start with a dash).
    private static bool LooksLikeOption(string arg)
    {
        string name = arg.Split('=', 2)[0];
        string bare = name.StartsWith("--", StringComparison.Ordinal) ? name[2..] : name.StartsWith('-') ? name[1..] : string.Empty;
        return bare.Length > 0 && char.IsAsciiLetterLower(bare[0]) && bare.All(c => char.IsAsciiLetterLower(c) || c == '-');
    }
}
