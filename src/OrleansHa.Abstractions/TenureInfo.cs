namespace OrleansHa.Abstractions;

/// <summary>One master tenure as the metadata store recorded it when the master opened the store.</summary>
/// <param name="Epoch">The tenure's epoch (fencing token).</param>
/// <param name="NodeName">The master's <c>node.name</c>.</param>
/// <param name="StartedAt">When it recorded its epoch in the store.</param>
/// <param name="PreviousLastAlive">When the master before it was last known alive, where the store records it; null otherwise.</param>
[GenerateSerializer]
[Immutable]
public sealed record TenureInfo(
    [property: Id(0)] long Epoch,
    [property: Id(1)] string NodeName,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] DateTimeOffset? PreviousLastAlive = null);

/// <summary>One change of master: when, from whom to whom, and how long the cluster was without one, when known.</summary>
public sealed record Failover(long Epoch, DateTimeOffset At, string? PreviousNode, string NewNode, TimeSpan? TimeToTakeOver)
{
    /// <summary>The failovers that <paramref name="newestFirst"/> tenures (as <see cref="IMasterGrain.ListTenuresAsync"/> returns them) tell of, newest first.</summary>
    public static IReadOnlyList<Failover> From(IReadOnlyList<TenureInfo> newestFirst)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        return
        [
            .. newestFirst.Select((t, i) => new Failover(
                t.Epoch,
                t.StartedAt,
                i + 1 < newestFirst.Count ? newestFirst[i + 1].NodeName : null,
                t.NodeName,
                t.PreviousLastAlive is { } alive && t.StartedAt >= alive ? t.StartedAt - alive : null)),
        ];
    }
}
