using Microsoft.Extensions.Hosting;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Node.Configuration;
using OrleansHa.ZooKeeper;
using OrleansHa.ZooKeeper.Recipes;

namespace OrleansHa.Node.Security;

/// <summary>
/// This coordinator's copy of the cluster's signing keys (<see cref="TokenKeyRing"/>), kept current by a watch on
/// <see cref="ClusterZnodes.TokenKey"/>. A token naming a key this copy does not know makes it read the znode again at
/// once, so a token signed with a key just rotated in elsewhere is accepted here too, before the watch fires.
/// </summary>
internal sealed partial class TokenKeys(SharedZooKeeperClient zooKeeper, NodeConfiguration config, TimeProvider time, ILogger<TokenKeys> logger)
    : BackgroundService
{
    // Refused BadVersions in a row before a rotation gives up: each means another rotation just won.
    private const int RotateAttempts = 5;

    private readonly ClusterZnodes _paths = config.Znodes;
    // How soon after one read a token naming an unknown key may make this node read the keys again.
    private static readonly TimeSpan RereadInterval = TimeSpan.FromMilliseconds(100);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Known? _known;
    private long _lastReread;

    /// <summary>The keys; the first call of a node reads them, making them if the cluster has none yet.</summary>
    /// <exception cref="ZooKeeperException">ZooKeeper could not be reached to read them.</exception>
    public async Task<TokenKeyRing> GetAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _known) is { } known ? known.Ring : await ReadAsync(cancellationToken);

    /// <summary>The key <paramref name="id"/>, reading the znode again when it may be one just rotated in; null if the cluster has no such key.</summary>
    public async Task<TokenKey?> FindAsync(int id, CancellationToken cancellationToken)
    {
        TokenKeyRing ring = await GetAsync(cancellationToken);
        if (ring.Find(id) is { } key)
        {
            return key;
        }

        // Only the key a rotation adds next can be missing from a copy that is current otherwise. Reading again for any
        // other id, or more often than this, would let anyone with a made-up token make this node read ZooKeeper at will.
        if (id != ring.Keys.Max(k => k.Id) + 1 || time.GetElapsedTime(Volatile.Read(ref _lastReread)) < RereadInterval)
        {
            return null;
        }

        Volatile.Write(ref _lastReread, time.GetTimestamp());
        return (await ReadAsync(cancellationToken)).Find(id);
    }

    /// <summary>Makes a new current key (see <see cref="TokenKeyRing.Rotate"/>) and returns the ring as written.</summary>
    public async Task<TokenKeyRing> RotateAsync(bool keepPrevious, CancellationToken cancellationToken)
    {
        ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
        for (int attempt = 1; ; attempt++)
        {
            await EnsureExistsAsync(zk, cancellationToken);
            NodeData stored = await zk.GetDataAsync(_paths.TokenKey, cancellationToken: cancellationToken);
            TokenKeyRing rotated = TokenKeyRing.Read(stored.Data, _paths.TokenKey).Rotate(time.GetUtcNow(), config.TokenLifetime, keepPrevious);
            try
            {
                Stat written = await zk.SetDataAsync(_paths.TokenKey, rotated.Serialize(), stored.Stat.Version, cancellationToken);
                Publish(rotated, written.Version);
                LogRotated(logger, rotated.Current.Id, rotated.Keys.Count - 1);
                return rotated;
            }
            catch (BadVersionException) when (attempt < RotateAttempts)
            {
                // Another coordinator rotated meanwhile: rotate again over its ring.
            }
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                ZooKeeperClient zk = await zooKeeper.GetAsync(stoppingToken);
                if (await zk.ExistsAsync(_paths.TokenKey, _ => fired.TrySetResult(), stoppingToken) is not null)
                {
                    NodeData stored = await zk.GetDataAsync(_paths.TokenKey, cancellationToken: stoppingToken);
                    Publish(TokenKeyRing.Read(stored.Data, _paths.TokenKey), stored.Stat.Version);
                }

                await fired.Task.WaitAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is ZooKeeperException or FormatException && !stoppingToken.IsCancellationRequested)
            {
                LogReadFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<TokenKeyRing> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
            await EnsureExistsAsync(zk, cancellationToken);
            NodeData stored = await zk.GetDataAsync(_paths.TokenKey, cancellationToken: cancellationToken);
            return Publish(TokenKeyRing.Read(stored.Data, _paths.TokenKey), stored.Stat.Version);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whoever creates the keys first wins; everyone then reads the winner's.</summary>
    private async Task EnsureExistsAsync(ZooKeeperClient zk, CancellationToken cancellationToken)
    {
        if (await zk.ExistsAsync(_paths.TokenKey, cancellationToken: cancellationToken) is null)
        {
            await zk.EnsurePathAsync(_paths.Auth, cancellationToken);
            await zk.CreateIfMissingAsync(_paths.TokenKey, TokenKeyRing.New(time.GetUtcNow()).Serialize(), cancellationToken);
        }
    }

    /// <summary>Keeps the newest ring seen (by znode version): reads may come back in any order.</summary>
    private TokenKeyRing Publish(TokenKeyRing ring, int version)
    {
        var candidate = new Known(ring, version);
        while (true)
        {
            Known? known = Volatile.Read(ref _known);
            if (known is not null && known.Version >= version)
            {
                return known.Ring;
            }

            if (ReferenceEquals(Interlocked.CompareExchange(ref _known, candidate, known), known))
            {
                return ring;
            }
        }
    }

    private sealed record Known(TokenKeyRing Ring, int Version);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Token signing key rotated: key {KeyId} is current, {Retired} retired key(s) still check tokens")]
    private static partial void LogRotated(ILogger logger, int keyId, int retired);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Reading the token keys failed, retrying: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);
}
