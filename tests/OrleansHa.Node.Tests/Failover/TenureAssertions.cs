using OrleansHa.Testing;

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
        Assert.NotEmpty(TenureLog.Read(cluster.AllProcesses));
        Assert.Empty(TenureLog.Overlaps(cluster.AllProcesses, killedAt));
    }
}
