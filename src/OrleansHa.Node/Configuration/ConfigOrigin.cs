namespace OrleansHa.Node.Configuration;

/// <summary>
/// Where a configuration value came from: a file and line, or a description such as "command line (--set ...)",
/// "environment (ORLEANSHA__...)" or "defaults". Shown at the start of every problem message.
/// </summary>
/// <param name="Description">The source as shown to a user: the file path as given, or a description.</param>
/// <param name="File">The file the value was read from, or null when it did not come from a file.</param>
/// <param name="Line">The 1-based line in <paramref name="File"/>, or null when there are no lines to speak of.</param>
internal sealed record ConfigOrigin(string Description, string? File, int? Line)
{
    /// <summary>The built-in reference configuration that every node file is merged over.</summary>
    public static ConfigOrigin Defaults { get; } = new("defaults", null, null);

    /// <summary>A value read from <paramref name="file"/> at <paramref name="line"/>.</summary>
    public static ConfigOrigin InFile(string file, int line) => new(file, file, line);

    /// <summary>A value from somewhere that has no file and no lines.</summary>
    public static ConfigOrigin Other(string description) => new(description, null, null);

    /// <summary>The same source at another line (sources without lines stay as they are).</summary>
    public ConfigOrigin AtLine(int line) => Line is null ? this : this with { Line = line };

    public override string ToString() =>
        Line is int line ? $"{Description}:{line.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : Description;
}
