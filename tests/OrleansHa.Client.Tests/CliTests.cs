using OrleansHa.Client.Tests.Infrastructure;
using OrleansHa.Testing;

namespace OrleansHa.Client.Tests;

/// <summary>The built <c>orleans-ha</c> command against the real cluster of <see cref="QueryClusterFixture"/>.</summary>
[Collection(QueryClusterGroup.Name)]
public sealed class CliTests(QueryClusterFixture fixture)
{
    private Dictionary<string, string> Environment => new()
    {
        ["ORLEANSHA_ZOOKEEPER"] = fixture.Cluster.ZooKeeper.ConnectionString,
        ["ORLEANSHA_CLUSTER"] = fixture.Cluster.Nodes.ClusterId,
        ["ORLEANSHA_USER"] = TestCredentials.User,
        ["ORLEANSHA_PASSWORD"] = TestCredentials.Password,
    };

    [Fact]
    public async Task Status_shows_the_master_and_its_epoch()
    {
        long epoch = fixture.Client.ActiveMaster!.Epoch;
        CliProcess.Result result = await CliProcess.RunAsync(
            null, "status", "--zookeeper", fixture.Cluster.ZooKeeper.ConnectionString, "--cluster", fixture.Cluster.Nodes.ClusterId,
            "--user", TestCredentials.User, "--password", TestCredentials.Password);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains($"master:   m1 (epoch {epoch},", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("m1 *", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("executor", result.Stdout, StringComparison.Ordinal);

        // The failover history: this cluster's only tenure so far, m1's first.
        string history = result.Stdout[result.Stdout.IndexOf("failovers (newest first):", StringComparison.Ordinal)..];
        Assert.Matches($@"\n *{epoch} *\| *\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ *\| *\(first master\) *\| *m1 *\| *-", history.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Sql_prints_csv_to_a_pipe()
    {
        CliProcess.Result result = await CliProcess.RunAsync(
            Environment, "sql", "SELECT id, name, id * 1.5 AS x FROM people WHERE id <= 3 OR id = 7 ORDER BY id", "--format", "csv");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("id,name,x\n1,person 1,1.5\n2,person 2,3\n3,person 3,4.5\n7,person 7,10.5\n", result.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal(string.Empty, result.Stderr); // no progress indicator: stderr is not a terminal
    }

    [Fact]
    public async Task Sql_prints_json_and_a_table()
    {
        CliProcess.Result json = await CliProcess.RunAsync(Environment, "sql", "SELECT 1 AS a, 'q\"' AS b, NULL AS c", "--format=json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        Assert.Equal("[\n  {\"a\": 1, \"b\": \"q\\u0022\", \"c\": null}\n]\n", json.Stdout.ReplaceLineEndings("\n"));

        CliProcess.Result table = await CliProcess.RunAsync(Environment, "sql", "SELECT id, name FROM people WHERE id IN (1, 10) ORDER BY id");
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Equal("id | name\n---+----------\n 1 | person 1\n10 | person 10\n(2 rows)\n", table.Stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Catalog_and_jobs_commands_work_end_to_end()
    {
        CliProcess.Result added = await CliProcess.RunAsync(Environment, "catalog", "sources", "add", "cli_people", fixture.DataDirectory);
        Assert.True(added.ExitCode == 0, added.Stderr);
        CliProcess.Result listed = await CliProcess.RunAsync(Environment, "catalog", "sources", "list");
        Assert.Contains("cli_people", listed.Stdout, StringComparison.Ordinal);
        CliProcess.Result again = await CliProcess.RunAsync(Environment, "catalog", "sources", "add", "cli_people", fixture.DataDirectory);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("Conflict", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await CliProcess.RunAsync(Environment, "catalog", "sources", "drop", "cli_people")).ExitCode);

        CliProcess.Result started = await CliProcess.RunAsync(Environment, "jobs", "start", "SELECT 42");
        Assert.True(started.ExitCode == 0, started.Stderr);
        string id = started.Stdout.Trim();
        await Poll.UntilAsync(async () => (await fixture.Client.GetJobAsync(Guid.Parse(id)))?.IsFinished == true, TimeSpan.FromSeconds(30), "the job to finish");
        CliProcess.Result shown = await CliProcess.RunAsync(Environment, "jobs", "show", id);
        Assert.Contains("state:       COMPLETED", shown.Stdout, StringComparison.Ordinal);
        CliProcess.Result jobs = await CliProcess.RunAsync(Environment, "jobs", "--limit", "5");
        Assert.Contains(id, jobs.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Catalog_views_are_put_listed_queried_and_dropped()
    {
        CliProcess.Result put = await CliProcess.RunAsync(Environment, "catalog", "views", "put", "cli_first", "SELECT * FROM people WHERE id <= 5");
        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Contains("View 'cli_first' created (version 1).", put.Stdout, StringComparison.Ordinal);

        CliProcess.Result replaced = await CliProcess.RunAsync(Environment, "catalog", "views", "put", "cli_first", "SELECT * FROM people WHERE id <= 3");
        Assert.Contains("replaced (version 2)", replaced.Stdout, StringComparison.Ordinal);
        Assert.Contains("cli_first", (await CliProcess.RunAsync(Environment, "catalog", "views", "list")).Stdout, StringComparison.Ordinal);

        CliProcess.Result counted = await CliProcess.RunAsync(Environment, "sql", "SELECT count(*) AS n FROM cli_first", "--format", "csv");
        Assert.Equal("n\n3\n", counted.Stdout.ReplaceLineEndings("\n"));

        Assert.Equal(0, (await CliProcess.RunAsync(Environment, "catalog", "views", "drop", "cli_first")).ExitCode);
        CliProcess.Result gone = await CliProcess.RunAsync(Environment, "catalog", "views", "drop", "cli_first");
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("does not exist", gone.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, (await CliProcess.RunAsync(Environment, "catalog", "tables", "list")).ExitCode);
    }

    [Fact]
    public async Task Failures_say_why_with_distinct_exit_codes()
    {
        CliProcess.Result failed = await CliProcess.RunAsync(Environment, "sql", "SELEC 1");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("syntax error", failed.Stderr, StringComparison.OrdinalIgnoreCase);

        CliProcess.Result usage = await CliProcess.RunAsync(Environment, "sql", "SELECT 1", "--format", "xml");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--format is table, csv or json", usage.Stderr, StringComparison.Ordinal);

        Assert.Equal(2, (await CliProcess.RunAsync(Environment, "frobnicate")).ExitCode);
        Assert.Equal(2, (await CliProcess.RunAsync(Environment, "jobs", "show", "not-a-guid")).ExitCode);

        CliProcess.Result refused = await CliProcess.RunAsync(new Dictionary<string, string>(Environment) { ["ORLEANSHA_PASSWORD"] = "wrong" }, "status");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("Wrong user name or password", refused.Stderr, StringComparison.Ordinal);

        CliProcess.Result anonymous = await CliProcess.RunAsync(
            null, "status", "--zookeeper", fixture.Cluster.ZooKeeper.ConnectionString, "--cluster", fixture.Cluster.Nodes.ClusterId);
        Assert.Equal(4, anonymous.ExitCode);
        Assert.Contains("needs a token", anonymous.Stderr, StringComparison.Ordinal);

        CliProcess.Result unreachable = await CliProcess.RunAsync(null, "--zookeeper", "127.0.0.1:1", "--timeout", "2", "status");
        Assert.Equal(3, unreachable.ExitCode);
        Assert.Contains("127.0.0.1:1", unreachable.Stderr, StringComparison.Ordinal);
    }
}
