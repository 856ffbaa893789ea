namespace OrleansHa.Abstractions.Query;

/// <summary>One column of a query result: its name and the type its <see cref="ResultVector"/> holds.</summary>
[GenerateSerializer]
[Immutable]
public sealed record ResultColumn(
    [property: Id(0)] string Name,
    [property: Id(1)] ResultType Type);
