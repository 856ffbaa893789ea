using System.Diagnostics;
using System.Globalization;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Client.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansHa.Client.Tests;

/// <summary>
/// SIGKILL of the coordinator running a query, with the client's response timeout at its default 30 s: the client
/// learns from the membership table in ZooKeeper that the coordinator is dead and resubmits the query at once, on the
/// other coordinator, instead of waiting for the call to time out.
/// </summary>
public sealed class CoordinatorLossTests(ITestOutputHelper output) : IAsyncLifetime
{
    // Seconds of work DuckDB cannot shortcut (hash() runs on every row), so the query is surely running at the kill.
    private const long Rows = 1_000_000_000;
    private static readonly string SlowCount = $"SELECT count(*) AS n FROM range({Rows}) t(i) WHERE hash(i) % 1000 <> 1000";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_query_whose_coordinator_is_killed_is_resubmitted_when_membership_says_so_not_at_the_response_timeout()
    {
        NodeProcess[][] started = await Task.WhenAll(
            Task.WhenAll(_cluster.StartMasterAsync("m1"), _cluster.StartMasterAsync("m2")),
            _cluster.StartExecutorsAsync("e1", "e2"));
        Dictionary<string, NodeProcess> nodes = started.SelectMany(n => n).ToDictionary(n => n.Name);
        TimeSpan responseTimeout = new OrleansHaClientOptions().ResponseTimeout;
        Assert.Equal(TimeSpan.FromSeconds(30), responseTimeout);
        // The gateway probe (GatewayCutTests) would find the killed gateway too; off here, so membership alone is tested.
        OrleansHaClient client = await _cluster.ConnectAsync(o => (o.ResponseTimeout, o.GatewayProbeTimeout) = (responseTimeout, TimeSpan.Zero));
        ClusterStatus status = await TestCluster.WaitForAsync(client, "m1", "m2", "e1", "e2");
        IClusterStatusGrain load = client.Grains.GetGrain<IClusterStatusGrain>(0);

        QueryResult result = client.QueryAsync(SlowCount);
        var sinceKill = new Stopwatch();
        TimeSpan? resubmittedAfter = null;
        QueryResubmittedEventArgs? resubmitted = null;
        result.Resubmitted += (_, e) => (resubmittedAfter, resubmitted) = (sinceKill.Elapsed, e);
        Task<List<object?[]>> running = QueryTests.ToListAsync(result.RowsAsync());
        await Poll.UntilAsync(
            async () =>
            {
                Assert.False(running.IsCompleted, $"the query ended before its coordinator could be killed: {running.Exception?.InnerException?.Message}");
                return result.Coordinator is not null && (await load.GetRunningQueriesAsync()).Values.Sum() > 0;
            },
            TimeSpan.FromSeconds(30),
            "an executor to run the query");

        string killed = result.Coordinator!;
        NodeStatus coordinator = Assert.Single(status.Nodes, n => n.SiloAddress == killed);
        Assert.Contains("coordinator", coordinator.Roles);
        sinceKill.Start();
        await nodes[coordinator.Name].KillAsync();
        Assert.False(running.IsCompleted, "the query ended before its coordinator was killed");

        List<object?[]> rows = await running.WaitAsync(TimeSpan.FromSeconds(120));
        TimeSpan done = sinceKill.Elapsed;
        Assert.Equal(Rows, Assert.Single(rows)[0]);
        Assert.Equal(1, result.Resubmissions);
        Assert.NotNull(resubmitted);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"killed coordinator {coordinator.Name} ({killed}); resubmitted {resubmittedAfter!.Value.TotalSeconds:0.00} s after the kill, on {result.Coordinator}; answered {done.TotalSeconds:0.00} s after the kill; response timeout {responseTimeout.TotalSeconds:0} s; reason: {resubmitted.Reason.GetType().Name}: {resubmitted.Reason.Message}"));

        // The watcher gave up on the call, not Orleans' timeout.
        Assert.IsType<SiloUnavailableException>(resubmitted.Reason);
        Assert.Contains("dead in the membership table", resubmitted.Reason.Message, StringComparison.Ordinal);
        Assert.True(resubmittedAfter < TimeSpan.FromSeconds(15), $"resubmitted {resubmittedAfter} after the kill: that is the response timeout's doing, not the watcher's");
        Assert.NotEqual(killed, result.Coordinator);
        // Told by membership: the row read Dead, or the gateway left the client's list because of it (the probe is off).
        Assert.Contains(_cluster.Log.Lines, l => l.Contains("is lost to this client (declared Dead)", StringComparison.Ordinal) || l.Contains("is lost to this client (its gateway left this client's list)", StringComparison.Ordinal));
    }
}
