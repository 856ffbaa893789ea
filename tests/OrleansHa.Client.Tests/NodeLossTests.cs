using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Client.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansHa.Client.Tests;

/// <summary>
/// SIGKILL of the executor running a query, with three executors so that another can take a resubmission: the caller
/// gets a typed, retriable error, or, with auto-resubmit, the right answer and one resubmission.
/// </summary>
/// <remarks>The tests share one cluster: each kills one of the three executors, so two are left for the first test
/// that runs and one for the second.</remarks>
public sealed class ExecutorLossTests(ExecutorLossTests.Fixture fixture) : IClassFixture<ExecutorLossTests.Fixture>
{
    // Slow enough (seconds) to be killed while running, and DuckDB cannot shortcut it: hash() has to run on every row.
    private const long Rows = 1_500_000_000;
    private static readonly string SlowCount = $"SELECT count(*) AS n FROM range({Rows}) t(i) WHERE hash(i) % 1000 <> 1000";
    private readonly TestCluster _cluster = fixture.Cluster;
    private readonly IReadOnlyDictionary<string, NodeProcess> _executors = fixture.Executors;
    private readonly OrleansHaClient _client = fixture.Client;

    public sealed class Fixture : IAsyncLifetime
    {
        public TestCluster Cluster { get; private set; } = null!;

        public IReadOnlyDictionary<string, NodeProcess> Executors { get; private set; } = null!;

        public OrleansHaClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Cluster = await TestCluster.StartAsync();
            Task<NodeProcess> master = Cluster.StartMasterAsync("m1");
            NodeProcess[] executors = await Cluster.StartExecutorsAsync("e1", "e2", "e3");
            await master;
            Executors = executors.ToDictionary(e => e.Name);
            Client = await Cluster.ConnectAsync();
            await TestCluster.WaitForAsync(Client, "m1", "e1", "e2", "e3");
        }

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }

    [Fact]
    public async Task Without_auto_resubmit_the_caller_gets_a_retriable_interruption()
    {
        QueryResult result = _client.QueryAsync(SlowCount, autoResubmit: false);
        Task<List<object?[]>> running = QueryTests.ToListAsync(result.RowsAsync());
        await KillTheRunningExecutorAsync(running);

        var interrupted = await Assert.ThrowsAsync<QueryInterruptedException>(() => running);
        Assert.Equal(1, interrupted.Attempts);
        Assert.Equal(0, interrupted.BatchesDelivered);
        Assert.Contains("auto-resubmit is off", interrupted.Message, StringComparison.Ordinal);
        Assert.Equal(0, result.Resubmissions);
    }

    [Fact]
    public async Task With_auto_resubmit_an_aggregate_is_resubmitted_once_and_answers_right()
    {
        QueryResult result = _client.QueryAsync(SlowCount);
        var events = new List<QueryResubmittedEventArgs>();
        result.Resubmitted += (_, e) => events.Add(e);
        Task<List<object?[]>> running = QueryTests.ToListAsync(result.RowsAsync());
        await KillTheRunningExecutorAsync(running);

        List<object?[]> rows = await running.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(Rows, Assert.Single(rows)[0]);
        Assert.Equal(1, result.Resubmissions);
        Assert.Equal(2, result.JobIds.Distinct().Count());
        QueryResubmittedEventArgs resubmitted = Assert.Single(events);
        Assert.Equal(result.JobIds[0], resubmitted.InterruptedJobId);
        Assert.Contains(_cluster.Log.Lines, l => l.Contains("resubmitting", StringComparison.Ordinal) && l.Contains(result.JobIds[0].ToString(), StringComparison.Ordinal));
    }

    /// <summary>Finds the executor running the query (the one whose grain counts a running query) and SIGKILLs it.</summary>
    private async Task KillTheRunningExecutorAsync(Task query)
    {
        ClusterStatus status = await _client.GetClusterStatusAsync();
        NodeStatus[] executors = [.. status.Nodes.Where(n => n.Roles.Contains("executor") && _executors.ContainsKey(n.Name) && !_executors[n.Name].HasExited)];
        NodeStatus? running = null;
        var clock = Stopwatch.StartNew();
        await Poll.UntilAsync(
            async () =>
            {
                Assert.False(query.IsCompleted, $"the query ended before an executor could be killed: {query.Exception?.InnerException?.Message}");
                IReadOnlyDictionary<string, int> load = await _client.Grains.GetGrain<IClusterStatusGrain>(0).GetRunningQueriesAsync();
                foreach (NodeStatus executor in executors)
                {
                    if (load.GetValueOrDefault(executor.SiloAddress) > 0)
                    {
                        running = executor;
                        return true;
                    }
                }

                return false;
            },
            TimeSpan.FromSeconds(30),
            "an executor to run the query");

        await _executors[running!.Name].KillAsync();
        Assert.False(query.IsCompleted, $"the query ended {clock.Elapsed} after it started, before its executor was killed");
    }
}

/// <summary>SIGKILL of the active master while queries run through the client: every query completes with the right answer.</summary>
/// <remarks>
/// Known to fail in about half the runs, and not the client's doing: when the killed master held the default grain
/// directory's partition of a running query's grain (on the live coordinator) or of its executor's grain, Orleans
/// deactivates that grain where it runs ("LocalGrainDirectory is deactivating N activations because silo ... entered
/// status Dead", logged on every failing run), the stream's enumerator goes with it after its one batch, and the query
/// ends in <see cref="QueryInterruptedException"/> from an <see cref="EnumerationAbortedException"/> with that batch
/// delivered (measured: 14 runs of 25; 2 of 5 before the death watch, when a 5 s response timeout resubmitted the
/// slower queries before their batch and so hid some of it).
/// </remarks>
public sealed class MasterLossTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long Rows = 400_000_000;
    private static readonly string Count = $"SELECT count(*) AS n FROM range({Rows}) t(i) WHERE hash(i) % 1000 <> 1000";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Queries_running_when_the_master_is_killed_complete()
    {
        NodeProcess first = await _cluster.StartMasterAsync("m1");
        NodeProcess[] rest = await Task.WhenAll(_cluster.StartMasterAsync("m2"), _cluster.StartExecutorsAsync("e1", "e2").ContinueWith(t => t.Result[0], TaskScheduler.Default));
        // Orleans' default response timeout (30 s): a query on the killed master is given up as soon as membership
        // declares it dead, and resubmitted; it does not wait for its call to time out.
        OrleansHaClient client = await _cluster.ConnectAsync(o => o.ResponseTimeout = new OrleansHaClientOptions().ResponseTimeout);
        ClusterStatus before = await TestCluster.WaitForAsync(client, "m1", "m2", "e1", "e2");
        await Poll.UntilAsync(async () => (await client.GetClusterStatusAsync()).Standbys.Count == 1, TimeSpan.FromSeconds(30), "the standby to register");
        NodeProcess master = before.Master!.NodeName == first.Name ? first : rest[0];

        // Through both coordinators (the client spreads calls over its gateways): some queries run on the master.
        QueryResult[] queries = [.. Enumerable.Range(0, 3).Select(_ => client.QueryAsync(Count))];
        var clock = new Stopwatch();
        var resubmittedAfter = new ConcurrentQueue<TimeSpan>();
        foreach (QueryResult query in queries)
        {
            query.Resubmitted += (_, _) => resubmittedAfter.Enqueue(clock.Elapsed);
        }

        Task<List<object?[]>>[] running = [.. queries.Select(q => QueryTests.ToListAsync(q.RowsAsync()))];
        await Poll.UntilAsync(
            async () =>
            {
                IReadOnlyDictionary<string, int> load = await client.Grains.GetGrain<IClusterStatusGrain>(0).GetRunningQueriesAsync();
                return load.Values.Sum() >= 1;
            },
            TimeSpan.FromSeconds(30),
            "the queries to run");

        clock.Start();
        await master.KillAsync();

        foreach (Task<List<object?[]>> query in running)
        {
            List<object?[]> rows = await query.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.Equal(Rows, Assert.Single(rows)[0]);
        }

        await Poll.UntilAsync(() => client.ActiveMaster is { } now && now.Epoch > before.Master!.Epoch, TimeSpan.FromSeconds(30), "the client to see the new master");
        Assert.NotEqual(before.Master!.NodeName, client.ActiveMaster!.NodeName);
        Assert.NotNull(await client.ListSourcesAsync());
        output.WriteLine(
            $"all queries done {clock.Elapsed.TotalSeconds:0.0} s after the kill; resubmissions: {string.Join(", ", queries.Select(q => q.Resubmissions))}"
            + $", each {string.Join(", ", resubmittedAfter.Select(t => $"{t.TotalSeconds:0.00} s"))} after the kill");
        Assert.All(queries, q => Assert.True(q.Resubmissions <= 1, $"{q.Resubmissions} resubmissions"));
        Assert.All(resubmittedAfter, t => Assert.True(t < TimeSpan.FromSeconds(15), $"a query was resubmitted {t} after the kill: the response timeout's doing"));
    }
}
