using Apache.Arrow;
using Apache.Arrow.Flight;
using Apache.Arrow.Flight.Client;
using Grpc.Core;
using OrleansHa.Node.Tests.Failover;

namespace OrleansHa.Node.Tests.Flight;

/// <summary>
/// Flight under faults, with real node processes: a coordinator SIGKILLed mid-stream, whose client reads the same ticket
/// from another location of the endpoint; the master SIGKILLed between GetFlightInfo and DoGet.
/// </summary>
public sealed class FlightFailoverTests(EnsembleFixture zk) : NodeClusterTest(zk)
{
    private const string NoExecutor = "services.executor.enabled=false";
    private const int Rows = 3_000_000;
    private const string Scan = "SELECT i FROM range(3000000) t(i)";

    [Fact]
    public async Task A_client_whose_coordinator_is_killed_mid_stream_reads_the_ticket_again_from_another_location()
    {
        // The executor on a node of its own, so the kill takes a coordinator only.
        NodeProcess master = await Cluster.StartAsync("m1", true, NoExecutor);
        await NodeCluster.WaitForMasterAsync(master);
        NodeProcess coordinator = await Cluster.StartAsync("c2", false, NoExecutor);
        await Cluster.StartAsync("e1", false, "services.coordinator.enabled=false");

        using FlightSession session = await FlightSession.LoginAsync(coordinator.FlightUrl);
        FlightInfo info = await WithRetryAsync(() => session.InfoAsync(Scan));
        FlightEndpoint endpoint = Assert.Single(info.Endpoints);
        Assert.Equal(coordinator.FlightUrl, FlightSession.AddressOf(endpoint.Locations.First()));

        long before = 0;
        RpcException broken = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using FlightRecordBatchStreamingCall call = session.Client.GetStream(endpoint.Ticket, session.Headers);
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                using RecordBatch batch = call.ResponseStream.Current;
                before += batch.Length;
                if (before >= 10 * 2048 && !coordinator.HasExited)
                {
                    await coordinator.KillAsync();
                }
            }
        });
        Assert.InRange(before, 10 * 2048, Rows - 1);

        // The next location of the same endpoint, with the same ticket (a new login there: the token is the cluster's).
        FlightLocation other = endpoint.Locations.Single(l => FlightSession.AddressOf(l) == master.FlightUrl);
        using FlightSession there = await FlightSession.LoginAsync(FlightSession.AddressOf(other));
        long sum = 0;
        long rows = await WithRetryAsync(() =>
        {
            sum = 0;
            return there.ReadAsync(endpoint.Ticket, batch => sum += Sum((Int64Array)batch.Column(0)));
        });
        Assert.Equal(Rows, rows);
        Assert.Equal((long)Rows * (Rows - 1) / 2, sum);
        Assert.NotEqual(StatusCode.OK, broken.StatusCode);
    }

    [Fact]
    public async Task Sql_taken_while_the_master_fails_over_is_served()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync(NoExecutor);
        await Cluster.StartAsync("e1", false, "services.coordinator.enabled=false");
        using FlightSession session = await FlightSession.LoginAsync(standby.FlightUrl);
        FlightInfo info = await WithRetryAsync(() => session.InfoAsync("SELECT count(*) AS n FROM range(100000)"));

        await master.KillAsync();

        // The ticket taken before the kill, and new SQL taken during the failover, on the standby.
        Assert.Equal(100_000, await session.ScalarAsync(info.Endpoints[0].Ticket));
        FlightInfo during = await session.InfoAsync("SELECT 42::BIGINT AS answer");
        Assert.Equal(42, await session.ScalarAsync(during.Endpoints[0].Ticket));

        ClusterView after = await NodeCluster.WaitForMasterAsync(standby, not: master.Name, afterEpoch: before.Epoch, within: NodeCluster.TakeoverBound);
        Assert.Equal(standby.Name, after.Master);
        Assert.Equal(100_000, await session.ScalarAsync(info.Endpoints[0].Ticket));
    }

    /// <summary>
    /// Retries a call refused as Unavailable (a node still joining, or just lost and not yet declared dead), as a Flight
    /// client does when nothing was streamed yet, for at most the failover bound.
    /// </summary>
    private static async Task<T> WithRetryAsync<T>(Func<Task<T>> call)
    {
        T? result = default;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    result = await call();
                    return true;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
                {
                    return false;
                }
            },
            NodeCluster.TakeoverBound,
            "a Flight call to be served");
        return result!;
    }

    private static long Sum(Int64Array values)
    {
        long sum = 0;
        foreach (long value in values.Values)
        {
            sum += value;
        }

        return sum;
    }
}
