using System.Globalization;
using System.Text;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Client.Tests.Infrastructure;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Client.Tests;

/// <summary>One master-coordinator and one executor, shared by the tests of <see cref="QueryTests"/>.</summary>
public sealed class QueryClusterFixture : IAsyncLifetime
{
    public const int People = 1000;

    public TestCluster Cluster { get; private set; } = null!;

    public OrleansHaClient Client { get; private set; } = null!;

    public string DataDirectory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync();
        await Task.WhenAll(Cluster.StartMasterAsync("m1"), Cluster.StartExecutorsAsync("e1"));
        Client = await Cluster.ConnectAsync();
        await TestCluster.WaitForAsync(Client, "m1", "e1");

        DataDirectory = Path.Combine(Cluster.Nodes.Root, "people");
        Directory.CreateDirectory(DataDirectory);
        var csv = new StringBuilder("id,name\n");
        for (int i = 1; i <= People; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},person {i}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "people.csv"), csv.ToString());
        await Client.CreateSourceAsync("people", DataDirectory);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>The classes that share one <see cref="QueryClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class QueryClusterGroup : ICollectionFixture<QueryClusterFixture>
{
    public const string Name = "query cluster";
}

/// <summary>Queries through a client that knows only the ZooKeeper quorum: results, types, streaming, errors.</summary>
[Collection(QueryClusterGroup.Name)]
public sealed class QueryTests(QueryClusterFixture fixture)
{
    private OrleansHaClient Client => fixture.Client;

    [Fact]
    public async Task A_client_given_only_zookeeper_runs_a_query_with_the_right_rows_and_types()
    {
        QueryResult result = Client.QueryAsync("""
            SELECT 42::INTEGER AS i, 'x' AS s, 1.5::DOUBLE AS d, 12.34::DECIMAL(10,2) AS m, DATE '2024-01-02' AS day,
                   TIMESTAMP '2024-01-02 03:04:05' AS ts, true AS b, NULL::INTEGER AS n
            """);
        List<object?[]> rows = await ToListAsync(result.RowsAsync());

        object?[] row = Assert.Single(rows);
        Assert.Equal([42L, "x", 1.5, 12.34m, new DateTime(2024, 1, 2), new DateTime(2024, 1, 2, 3, 4, 5), true, null], row);
        Assert.Equal(
            [ResultType.Integer, ResultType.String, ResultType.Double, ResultType.Decimal, ResultType.Date, ResultType.Timestamp, ResultType.Boolean, ResultType.Integer],
            result.Columns!.Select(c => c.Type));
        Assert.Equal(["i", "s", "d", "m", "day", "ts", "b", "n"], result.Columns!.Select(c => c.Name));
        Assert.Equal(1, result.Attempts);
        Assert.Equal(0, result.Resubmissions);
    }

    [Fact]
    public async Task The_client_finds_the_cluster_and_runs_sql_with_no_zookeeper_identity_where_the_token_key_is_closed()
    {
        // The grain client has no ZooKeeper identity to give: it reads the world-readable membership rows and
        // master/active, and logs in through a coordinator. A session like its own cannot read the signing key.
        ClusterZnodes znodes = ClusterZnodes.For(fixture.Cluster.Nodes.ClusterId);
        await using (ZooKeeperClient anonymous = await ZooKeeperClient.ConnectAsync(fixture.Cluster.ZooKeeper.ConnectionString))
        {
            Assert.NotNull(await anonymous.ExistsAsync(znodes.TokenKey));
            await Assert.ThrowsAsync<NoAuthException>(() => anonymous.GetDataAsync(znodes.TokenKey));
        }

        OrleansHaClient client = await fixture.Cluster.ConnectAsync();
        Assert.Equal([7L], Assert.Single(await ToListAsync(client.QueryAsync("SELECT 7::BIGINT AS n").RowsAsync())));
    }

    [Fact]
    public async Task A_query_reads_a_registered_source()
    {
        List<object?[]> rows = await ToListAsync(Client.QueryAsync("SELECT count(*) AS n, max(name) AS last FROM people WHERE id > 990").RowsAsync());
        Assert.Equal([10L, "person 999"], Assert.Single(rows));
    }

    [Fact]
    public async Task A_large_result_streams_in_many_batches()
    {
        const long Rows = 2_000_000;
        QueryResult result = Client.QueryAsync($"SELECT i, i % 7 AS m FROM range({Rows}) t(i)");
        long count = 0, sum = 0, batches = 0;
        await foreach (ResultBatch batch in result)
        {
            batches++;
            count += batch.RowCount;
            long?[] values = batch.Vectors[0].Integers!;
            for (int r = 0; r < batch.RowCount; r++)
            {
                sum += values[r]!.Value;
            }
        }

        Assert.Equal(Rows, count);
        Assert.Equal(Rows * (Rows - 1) / 2, sum);
        Assert.True(batches >= 100, $"{Rows} rows came in {batches} batches");
        Assert.Equal(batches, result.BatchesDelivered);
        Assert.Equal(Rows, result.RowsDelivered);
    }

    [Fact]
    public async Task Invalid_sql_fails_with_the_engines_message()
    {
        var failed = await Assert.ThrowsAsync<QueryFailedException>(() => ToListAsync(Client.QueryAsync("SELEC 1").RowsAsync()));
        Assert.Equal(QueryFailureKind.Sql, failed.Kind);
        Assert.Contains("syntax error", failed.Message, StringComparison.OrdinalIgnoreCase);

        failed = await Assert.ThrowsAsync<QueryFailedException>(() => ToListAsync(Client.QueryAsync("SELECT no_such_column FROM people").RowsAsync()));
        Assert.Contains("no_such_column", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sandbox_escape_is_refused_as_a_permission_error()
    {
        var failed = await Assert.ThrowsAsync<QueryFailedException>(() => ToListAsync(Client.QueryAsync("SELECT * FROM read_csv('/etc/passwd')").RowsAsync()));
        Assert.Equal(QueryFailureKind.Permission, failed.Kind);
        Assert.Contains("/etc/passwd", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_shows_nodes_with_roles_and_the_master_with_its_epoch()
    {
        ClusterStatus status = await Client.GetClusterStatusAsync();
        Assert.Equal("m1", status.Master!.NodeName);
        Assert.True(status.Master.Epoch > 0);
        Assert.Equal(Client.ActiveMaster, status.Master);
        NodeStatus master = Assert.Single(status.Nodes, n => n.Name == "m1");
        Assert.Equal(["coordinator", "master"], master.Roles.Order(StringComparer.Ordinal));
        Assert.Equal(["executor"], Assert.Single(status.Nodes, n => n.Name == "e1").Roles);
        Assert.All(status.Nodes, n => Assert.Equal("Active", n.Status));
    }

    [Fact]
    public async Task Jobs_start_complete_and_list_newest_first()
    {
        JobInfo first = await Client.StartJobAsync("SELECT 1");
        JobInfo second = await Client.StartJobAsync("SELECT count(*) FROM people");
        JobInfo? done = null;
        await Poll.UntilAsync(async () => (done = await Client.GetJobAsync(second.Id))?.IsFinished == true, TimeSpan.FromSeconds(30), "the job to finish");
        Assert.Equal(JobState.Completed, done!.State);
        Assert.Equal(1, done.RowCount);
        Assert.Null(await Client.GetJobAsync(Guid.NewGuid()));

        List<Guid> listed = [.. (await Client.ListJobsAsync(50)).Select(j => j.Id)];
        int secondAt = listed.IndexOf(second.Id);
        int firstAt = listed.IndexOf(first.Id);
        Assert.True(secondAt >= 0 && firstAt >= 0, "both jobs are listed");
        Assert.True(secondAt < firstAt, "newest first");
    }

    [Fact]
    public async Task Sources_are_added_listed_and_dropped()
    {
        await Client.CreateSourceAsync("again", fixture.DataDirectory);
        Assert.Contains(await Client.ListSourcesAsync(), s => s.Name == "again" && s.Path == fixture.DataDirectory);
        var conflict = await Assert.ThrowsAsync<CatalogException>(() => Client.CreateSourceAsync("again", fixture.DataDirectory));
        Assert.Equal(CatalogError.Conflict, conflict.Error);
        await Client.DropSourceAsync("again");
        Assert.DoesNotContain(await Client.ListSourcesAsync(), s => s.Name == "again");
    }

    [Fact]
    public void Only_a_read_with_auto_resubmit_on_is_resubmitted_by_itself()
    {
        Assert.True(Client.QueryAsync("SELECT 1").CanResubmit);
        Assert.True(Client.QueryAsync("/* c */ (WITH x AS (SELECT 1) SELECT * FROM x);").CanResubmit);
        Assert.True(Client.QueryAsync("-- c\nEXPLAIN SELECT 1").CanResubmit);
        Assert.False(Client.QueryAsync("COPY (SELECT 1) TO 'x.csv'").CanResubmit);
        Assert.False(Client.QueryAsync("SELECT 1; DROP TABLE t").CanResubmit);
        Assert.False(Client.QueryAsync("SELECT 1", autoResubmit: false).CanResubmit);
    }

    internal static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (T item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
