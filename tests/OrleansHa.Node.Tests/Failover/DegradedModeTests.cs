using System.Net;
using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>
/// No master at all (the only master-eligible node gone): coordinators keep running SQL over the catalog they already
/// know, the jobs can be followed from any coordinator, catalog writes answer 503 with Retry-After, and once a master
/// is active again it is handed the jobs run meanwhile.
/// </summary>
public sealed class DegradedModeTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    [Fact]
    public async Task Without_a_master_rest_sql_runs_over_the_known_catalog_writes_answer_503_and_the_jobs_reach_the_next_master()
    {
        NodeProcess master = await Cluster.StartAsync("m1");
        ClusterView before = await NodeCluster.WaitForMasterAsync(master);
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);
        NodeProcess other = await Cluster.StartAsync("c2", master: false);
        using (HttpResponseMessage created = await NodeCluster.PutViewAsync(coordinator, "answer", "SELECT 42 AS x"))
        {
            created.EnsureSuccessStatusCode();
        }

        Assert.Equal(42, await NodeCluster.SqlScalarAsync(coordinator, "SELECT x FROM answer"));

        DateTimeOffset killedAt = DateTimeOffset.UtcNow;
        await master.KillAsync();
        await Poll.UntilAsync(async () => await coordinator.ServerStatusAsync() == 503, NodeCluster.TakeoverBound, "the coordinator to see no master");

        // SQL goes on over the catalog the coordinator knows; the job is followed, and its results paged, from the other coordinator.
        string id = await NodeCluster.SubmitSqlAsync(coordinator, "SELECT x + 1 FROM answer");
        Assert.Equal(43, await NodeCluster.JobScalarAsync(other, id, "SELECT x + 1 FROM answer"));
        string kept = Path.Combine(Cluster.SharedDist, "jobs", Guid.Parse(id).ToString("N") + ".job.json");
        Assert.True(File.Exists(kept), $"the job ran without a master but no record of it was kept at {kept}");

        using (HttpResponseMessage refused = await NodeCluster.PutViewAsync(coordinator, "later", "SELECT 1"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("master", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        // A master again: it is handed the job, which it then answers for itself.
        NodeProcess next = await Cluster.StartAsync("m2");
        await NodeCluster.WaitForMasterAsync(coordinator, afterEpoch: before.Epoch);
        await Poll.UntilAsync(() => !File.Exists(kept), NodeCluster.TakeoverBound, "the kept job to be handed to the new master");
        Assert.Equal(43, await NodeCluster.JobScalarAsync(next, id, "SELECT x + 1 FROM answer"));
        Assert.Contains(coordinator.Lines, l => l.Contains($"Job {id}", StringComparison.OrdinalIgnoreCase) && l.Contains("recorded with the master as Completed", StringComparison.Ordinal));
        Cluster.AssertTenuresNeverOverlap(new Dictionary<long, DateTimeOffset> { [before.Epoch] = killedAt });
    }
}
