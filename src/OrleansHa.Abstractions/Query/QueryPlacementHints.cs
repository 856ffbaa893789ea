namespace OrleansHa.Abstractions.Query;

/// <summary>How a caller reaches a running job's query grain from another coordinator.</summary>
public static class QueryPlacementHints
{
    /// <summary>
    /// The request-context key whose value (a silo address, as <see cref="JobInfo.Coordinator"/> records it) names the
    /// coordinator a job's query grain lives on. Query grains are found through their host, not a cluster-wide
    /// directory, so a call to a running job from elsewhere (a cancel) must say where it runs.
    /// </summary>
    public const string RequestContextKey = "orleans-ha.coordinator";

    /// <summary>Makes <paramref name="call"/> with the hint that the job runs on <paramref name="coordinator"/> (none when null).</summary>
    public static async Task CallOnAsync(string? coordinator, Func<Task> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (coordinator is null)
        {
            await call();
            return;
        }

        RequestContext.Set(RequestContextKey, coordinator);
        try
        {
            await call();
        }
        finally
        {
            RequestContext.Remove(RequestContextKey);
        }
    }
}
