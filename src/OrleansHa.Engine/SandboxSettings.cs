namespace OrleansHa.Engine;

/// <summary>The part of a <see cref="QuerySandbox"/> that a database is set up and locked with; equal by value.</summary>
internal sealed record SandboxSettings(IReadOnlyList<string> AllowedDirectories, string MemoryLimit, int Threads, string? TempDirectory)
{
    public bool Equals(SandboxSettings? other) =>
        other is not null
        && AllowedDirectories.SequenceEqual(other.AllowedDirectories, StringComparer.Ordinal)
        && MemoryLimit == other.MemoryLimit
        && Threads == other.Threads
        && TempDirectory == other.TempDirectory;

    public override int GetHashCode() => HashCode.Combine(AllowedDirectories.Count, MemoryLimit, Threads, TempDirectory);
}
