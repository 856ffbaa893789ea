namespace OrleansHa.Abstractions;

/// <summary>The master of one epoch, as recorded in ZooKeeper's <c>master/active</c>.</summary>
[GenerateSerializer]
[Immutable]
public sealed record MasterInfo(
    [property: Id(0)] long Epoch,
    [property: Id(1)] string NodeName,
    [property: Id(2)] string SiloAddress,
    [property: Id(3)] string WebUrl,
    [property: Id(4)] DateTimeOffset Since);

/// <summary>One catalog entry with its version (bumped by each write).</summary>
[GenerateSerializer]
[Immutable]
public sealed record CatalogEntry(
    [property: Id(0)] string Space,
    [property: Id(1)] string Key,
    [property: Id(2)] string Value,
    [property: Id(3)] long Version);
