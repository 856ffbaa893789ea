namespace OrleansHa.Abstractions;

/// <summary>Where a job is (Dremio's states, in its words on the REST API).</summary>
public enum JobState
{
    Submitted,
    Running,
    Completed,
    Failed,
    Canceled,

    /// <summary>The coordinator or executor running it died; the query can be submitted again.</summary>
    Interrupted,
}

/// <summary>A job as the master records it: any coordinator can answer for any job.</summary>
[GenerateSerializer]
[Immutable]
public sealed record JobInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Sql,
    [property: Id(2)] JobState State,
    [property: Id(3)] DateTimeOffset SubmittedAt,
    [property: Id(4)] DateTimeOffset? StartedAt,
    [property: Id(5)] DateTimeOffset? EndedAt,
    [property: Id(6)] long RowCount,
    [property: Id(7)] string? Error,
    [property: Id(8)] string Coordinator)
{
    /// <summary>The user who submitted it (null for a job recorded before users had roles): only they and admins see it.</summary>
    [Id(9)]
    public string? Owner { get; init; }

    public bool IsFinished => State is JobState.Completed or JobState.Failed or JobState.Canceled or JobState.Interrupted;
}
