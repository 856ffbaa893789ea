namespace OrleansHa.Node.Configuration;

/// <summary>
/// One thing wrong with a node's configuration: where (<see cref="Origin"/>), which key, and what.
/// Renders as <c>node.conf:12: key 'services.fabric.port': expected a number, got "abc"</c>.
/// </summary>
internal sealed record ConfigurationProblem(ConfigOrigin? Origin, string? Key, string Detail)
{
    public override string ToString()
    {
        string where = Origin is null ? string.Empty : Origin + ": ";
        string key = Key is null ? string.Empty : $"key '{Key}': ";
        return where + key + Detail;
    }
}

/// <summary>
/// A configuration that cannot be used: a file that does not parse, a substitution that does not resolve, or values
/// that fail validation. Carries every problem found (validation reports them all at once); <see cref="File"/>,
/// <see cref="Line"/> and <see cref="Key"/> are those of the first.
/// </summary>
#pragma warning disable CA1064 // Internal by design: only this assembly and its tests see configuration errors.
internal sealed class ConfigurationException : Exception
#pragma warning restore CA1064
{
    public ConfigurationException()
        : this("The configuration is invalid.")
    {
    }

    public ConfigurationException(string message)
        : this(message, (Exception?)null)
    {
    }

    public ConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Problems = [new ConfigurationProblem(null, null, message)];
    }

    public ConfigurationException(ConfigurationProblem problem, Exception? innerException = null)
        : base(problem.ToString(), innerException)
    {
        Problems = [problem];
    }

    public ConfigurationException(IReadOnlyList<ConfigurationProblem> problems)
        : base(Format(problems))
    {
        if (problems.Count == 0)
        {
            throw new ArgumentException("At least one problem is needed.", nameof(problems));
        }

        Problems = problems;
    }

    /// <summary>Everything that is wrong, in the order found.</summary>
    public IReadOnlyList<ConfigurationProblem> Problems { get; }

    /// <summary>The file of the first problem, when it came from a file.</summary>
    public string? File => Problems[0].Origin?.File;

    /// <summary>The 1-based line of the first problem, when known.</summary>
    public int? Line => Problems[0].Origin?.Line;

    /// <summary>The key of the first problem, when known.</summary>
    public string? Key => Problems[0].Key;

    private static string Format(IReadOnlyList<ConfigurationProblem> problems) =>
        problems.Count == 1
            ? problems[0].ToString()
            : $"The configuration has {problems.Count} problems:{Environment.NewLine}  "
              + string.Join(Environment.NewLine + "  ", problems);
}
