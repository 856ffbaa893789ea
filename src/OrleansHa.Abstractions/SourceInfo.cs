namespace OrleansHa.Abstractions;

/// <summary>A source: a name queries use for a directory of Parquet, CSV or JSON files on a shared path.</summary>
[GenerateSerializer]
[Immutable]
public sealed record SourceInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string Path);
