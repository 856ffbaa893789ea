namespace OrleansHa.Clustering.ZooKeeper.Tests.Infrastructure;

/// <summary>
/// What every test class here shares: the class's ZooKeeper server, a per-test deadline (<see cref="Ct"/>) so that a
/// hang fails the test instead of the run, and tables under a fresh root and cluster id.
/// </summary>
public abstract class ConformanceTestBase(ZooKeeperServerFixture zk) : IClassFixture<ZooKeeperServerFixture>, IDisposable
{
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(60));

    protected ZooKeeperServerFixture Zk { get; } = zk;

    /// <summary>Cancelled 60 s after the test started.</summary>
    protected CancellationToken Ct => _deadline.Token;

    protected TableScope NewScope() => MembershipTableHandle.NewScope(Zk);

    /// <summary>An initialized table, alone under a fresh root and cluster id.</summary>
    private protected Task<MembershipTableHandle> NewTableAsync() => MembershipTableHandle.CreateAsync(NewScope(), Ct);

    /// <summary>Another silo's table (own session) on <paramref name="scope"/>, initialized.</summary>
    private protected Task<MembershipTableHandle> OpenAsync(TableScope scope, string? clusterId = null) =>
        MembershipTableHandle.CreateAsync(scope, Ct, clusterId: clusterId);

    public void Dispose()
    {
        _deadline.Dispose();
        GC.SuppressFinalize(this);
    }
}
