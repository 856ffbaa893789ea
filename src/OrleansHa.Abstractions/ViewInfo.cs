namespace OrleansHa.Abstractions;

/// <summary>A view: a name queries use for a SQL text (one SELECT over sources and other views).</summary>
[GenerateSerializer]
[Immutable]
public sealed record ViewInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string Sql,
    [property: Id(2)] long Version);

/// <summary>
/// Everything a query may name, at one catalog version: every change to a source or a view bumps
/// <see cref="Version"/>, so a coordinator keeps a snapshot and refetches only when the version moved.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record CatalogSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<SourceInfo> Sources,
    [property: Id(2)] IReadOnlyList<ViewInfo> Views);
