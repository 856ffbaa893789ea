using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Coordination;
using OrleansHa.Grains.Election;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Tests.Election;

/// <summary>
/// One <see cref="MasterLatch"/> in this process, as a node would run it: its own ZooKeeper session (through a
/// <see cref="TcpProxy"/> that can cut it), its own follower of <c>master/active</c>, a shared <c>paths.db</c>, and a
/// fencing that records instead of ending the test process.
/// </summary>
internal sealed class LatchHarness : IAsyncDisposable
{
    public static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stopping = new();

    private LatchHarness(string name, TcpProxy proxy, SharedZooKeeperClient zooKeeper, ActiveMasterFollower follower, MasterLatch latch, RecordingFencing fencing)
    {
        Name = name;
        Proxy = proxy;
        ZooKeeper = zooKeeper;
        Follower = follower;
        Latch = latch;
        Fencing = fencing;
        latch.Transitioned += t =>
        {
            lock (Transitions)
            {
                Transitions.Add(t);
            }
        };
    }

    public string Name { get; }

    public TcpProxy Proxy { get; }

    public SharedZooKeeperClient ZooKeeper { get; }

    public ActiveMasterFollower Follower { get; }

    public MasterLatch Latch { get; }

    public RecordingFencing Fencing { get; }

    public List<MasterTransition> Transitions { get; } = [];

    public IReadOnlyList<MasterStanding> Standings
    {
        get
        {
            lock (Transitions)
            {
                return [.. Transitions.Select(t => t.To)];
            }
        }
    }

    /// <summary>Starts a latch for node <paramref name="name"/> of the cluster whose znodes are <paramref name="znodes"/>.</summary>
    public static async Task<LatchHarness> StartAsync(string name, ZooKeeperServerProcess server, ClusterZnodes znodes, string pathsDb, bool eligible = true)
    {
        var proxy = new TcpProxy(server.ClientPort);
        var zooKeeper = new SharedZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = proxy.ConnectionString, SessionTimeout = SessionTimeout });
        var follower = new ActiveMasterFollower(zooKeeper, znodes, NullLogger.Instance);
        var options = Options.Create(new ElectionOptions
        {
            Znodes = znodes,
            MasterEligible = eligible,
            PathsDb = pathsDb,
            NodeName = name,
            WebUrl = "http://" + name,
            LockProofInterval = TimeSpan.FromMilliseconds(100),
            ClaimRetryMaxDelay = TimeSpan.FromMilliseconds(200),
        });
        var fencing = new RecordingFencing();
        var latch = new MasterLatch(zooKeeper, follower, fencing, new FakeSilo(), options, TimeProvider.System, NullLogger<MasterLatch>.Instance);
        var harness = new LatchHarness(name, proxy, zooKeeper, follower, latch, fencing);
        await follower.StartAsync();
        await latch.StartAsync(harness._stopping.Token);
        return harness;
    }

    public Task WaitForAsync(MasterStanding standing, TimeSpan? within = null) =>
        Poll.UntilAsync(() => Latch.Standing == standing, within ?? TimeSpan.FromSeconds(20), $"{Name} to be {standing} (it is {Latch.Standing})");

    /// <summary>A graceful stop, as the node's shutdown: steps down if it is master.</summary>
    public async Task StopAsync() => await Latch.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Latch.StopAsync(CancellationToken.None);
        Latch.Dispose();
        await Follower.DisposeAsync();
        await ZooKeeper.DisposeAsync();
        await Proxy.DisposeAsync();
        _stopping.Dispose();
    }

    internal sealed class RecordingFencing : ISelfFencing
    {
        private readonly TaskCompletionSource<string> _fenced = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Fenced => _fenced.Task;

        public void Fence(string reason) => _fenced.TrySetResult(reason);
    }

    private sealed class FakeSilo : ILocalSiloDetails
    {
        private static int _port = 40_000;

        public string Name => "latch-test";

        public string ClusterId => "latch-test";

        public string DnsHostName => "localhost";

        public SiloAddress SiloAddress { get; } = SiloAddress.New(IPAddress.Loopback, Interlocked.Increment(ref _port), 1);

        public SiloAddress GatewayAddress => SiloAddress;
    }
}
