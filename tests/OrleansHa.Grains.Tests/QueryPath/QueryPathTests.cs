using Orleans;
using Orleans.Runtime;
using OrleansHa.Abstractions.Query;
using OrleansHa.Grains.Query;

namespace OrleansHa.Grains.Tests.QueryPath;

/// <summary>SQL through a query grain on the coordinator, run on an executor's sandboxed DuckDB, streamed back.</summary>
public sealed class QueryPathTests(QueryClusterFixture cluster) : IClassFixture<QueryClusterFixture>
{
    [Fact]
    public async Task A_query_over_a_source_runs_on_an_executor_and_streams_back_the_right_answer()
    {
        var counts = new Dictionary<long, long>();
        await foreach (ResultBatch batch in Query("SELECT bucket, count(*) AS n FROM sales GROUP BY bucket ORDER BY bucket"))
        {
            for (int row = 0; row < batch.RowCount; row++)
            {
                counts[(long)batch.GetValue(row, 0)!] = (long)batch.GetValue(row, 1)!;
            }
        }

        Assert.Equal(7, counts.Count);
        Assert.Equal(QueryClusterFixture.SalesRows, counts.Values.Sum());

        // The executor grains that ran it live on the executor silos only, never on the master-coordinator.
        var executors = (await cluster.Cluster.Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics())
            .Where(s => s.GrainType.Contains(nameof(ExecutorGrain), StringComparison.Ordinal) && s.ActivationCount > 0)
            .ToList();
        Assert.NotEmpty(executors);
        Assert.DoesNotContain(executors, s => s.SiloAddress.Equals(cluster.Cluster.Primary!.SiloAddress));
    }

    [Fact]
    public async Task A_large_result_arrives_in_many_batches()
    {
        int batches = 0;
        long rows = 0;
        await foreach (ResultBatch batch in Query("SELECT * FROM range(1000000)"))
        {
            batches++;
            rows += batch.RowCount;
        }

        Assert.Equal(1_000_000, rows);
        Assert.True(batches > 100, $"{batches} batches");
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')")]
    [InlineData("SELECT * FROM read_csv('{secret}/s.csv')")]
    public async Task Files_outside_the_registered_sources_are_refused(string sql)
    {
        var error = await Assert.ThrowsAsync<QueryFailedException>(async () =>
        {
            await foreach (ResultBatch _ in Query(sql.Replace("{secret}", cluster.SecretDirectory, StringComparison.Ordinal)))
            {
            }
        });
        Assert.Equal(QueryFailureKind.Permission, error.Kind);
    }

    [Fact]
    public async Task Invalid_sql_fails_with_the_engines_message()
    {
        var error = await Assert.ThrowsAsync<QueryFailedException>(async () =>
        {
            await foreach (ResultBatch _ in Query("SELEC 1"))
            {
            }
        });
        Assert.Equal(QueryFailureKind.Sql, error.Kind);
        Assert.Contains("syntax error", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    private async IAsyncEnumerable<ResultBatch> Query(string sql)
    {
        await foreach (ArrowBatch batch in cluster.Cluster.Client.GetGrain<IQueryGrain>(Guid.NewGuid()).RunAsync(sql))
        {
            yield return batch.ToResultBatch();
        }
    }
}
