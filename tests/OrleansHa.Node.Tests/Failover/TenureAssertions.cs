namespace OrleansHa.Node.Tests.Failover;

/// <summary>The tenure invariant over every node a <see cref="NodeCluster"/> started.</summary>
internal static class TenureAssertions
{
    /// <summary>
    /// Reads every node's TENURE lines and asserts the invariant: epochs of acting masters only grow, and a tenure
    /// starts only after the one before it ended (or its process was killed).
    /// </summary>
    public static void AssertTenuresNeverOverlap(this NodeCluster cluster, IReadOnlyDictionary<long, DateTimeOffset>? killedAt = null)
    {
        var tenures = TenureLog.Read(cluster.AllProcesses);
        Assert.NotEmpty(tenures);
        for (int i = 1; i < tenures.Count; i++)
        {
            TenureLog.Tenure previous = tenures[i - 1];
            TenureLog.Tenure next = tenures[i];
            Assert.True(next.Epoch > previous.Epoch, $"epoch {next.Epoch} on {next.Node} follows epoch {previous.Epoch}");
            DateTimeOffset? previousEnd = previous.End ?? killedAt?.GetValueOrDefault(previous.Epoch);
            Assert.True(previousEnd is not null, $"epoch {previous.Epoch} on {previous.Node} never ended, yet epoch {next.Epoch} started");
            Assert.True(next.Start >= previousEnd, $"epoch {next.Epoch} started at {next.Start:O}, before epoch {previous.Epoch} ended at {previousEnd:O}");
        }
    }
}
