using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;
using OrleansHa.Grains.Placement;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Node.Configuration;
using OrleansHa.ZooKeeper;
using OrleansHa.ZooKeeper.Recipes;

namespace OrleansHa.Node.Security;

/// <summary>
/// The tokens the cluster has revoked (<see cref="Revocation"/>), the same on every coordinator. A revocation is
/// written to ZooKeeper first (so coordinators that start later, or miss the news, learn it from their watch on
/// <see cref="ClusterZnodes.Revoked"/>), then told to every live coordinator directly, and the revoking call returns only
/// once they have it or <see cref="NodeConfiguration.RevocationTimeout"/> has passed: a token logged out on one
/// coordinator is refused on all of them from the moment the logout answers.
/// </summary>
internal sealed partial class TokenRevocations(
    SharedZooKeeperClient zooKeeper,
    NodeConfiguration config,
    TimeProvider time,
    IServiceProvider services,
    ILogger<TokenRevocations> logger) : BackgroundService
{
    private readonly ClusterZnodes _paths = config.Znodes;
    private readonly ConcurrentDictionary<string, Revocation> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _users = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether a token (by id, user and issue time) is revoked. The first call of a node waits until the list has been read once.</summary>
    /// <exception cref="ZooKeeperException">ZooKeeper could not be reached for the first read.</exception>
    public async Task<bool> IsRevokedAsync(string tokenId, string user, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        if (!_loaded.Task.IsCompleted)
        {
            await LoadAsync(watcher: null, cancellationToken);
        }

        return _tokens.ContainsKey(tokenId) || (_users.TryGetValue(user, out DateTimeOffset before) && issuedAt < before);
    }

    /// <summary>Revokes on every coordinator; see the class remarks for when it returns.</summary>
    /// <exception cref="ZooKeeperException">ZooKeeper could not be reached: nothing was revoked.</exception>
    public async Task RevokeAsync(Revocation revocation, CancellationToken cancellationToken)
    {
        ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
        await zk.EnsurePathAsync(_paths.Revoked, cancellationToken);
        await zk.CreateIfMissingAsync($"{_paths.Revoked}/{revocation.Name}", null, cancellationToken);
        Apply(revocation);
        await TellCoordinatorsAsync(revocation, cancellationToken);
        await DropExpiredAsync(zk);
    }

    /// <summary>Takes a revocation another coordinator has written and tells this one directly.</summary>
    public void Apply(Revocation revocation)
    {
        // Expired entries are kept by name only, to be dropped from ZooKeeper: no token they cover is valid any more.
        if (!_entries.TryAdd(revocation.Name, revocation) || revocation.Expires <= time.GetUtcNow())
        {
            return;
        }

        if (revocation.TokenId is { } id)
        {
            _tokens[id] = revocation.Expires;
        }
        else
        {
            _users.AddOrUpdate(revocation.User!, revocation.IssuedBefore, (_, known) => known > revocation.IssuedBefore ? known : revocation.IssuedBefore);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                await LoadAsync(_ => fired.TrySetResult(), stoppingToken);
                await fired.Task.WaitAsync(stoppingToken);
            }
            catch (ZooKeeperException ex) when (!stoppingToken.IsCancellationRequested)
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

    /// <summary>Reads every entry (watching the list when <paramref name="watcher"/> is given) and forgets the expired.</summary>
    private async Task LoadAsync(Action<WatchedEvent>? watcher, CancellationToken cancellationToken)
    {
        ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
        await zk.EnsurePathAsync(_paths.Revoked, cancellationToken);
        foreach (string name in (await zk.GetChildrenAsync(_paths.Revoked, watcher, cancellationToken)).Children)
        {
            if (Revocation.Parse(name) is { } revocation)
            {
                Apply(revocation);
            }
        }

        Forget(time.GetUtcNow());
        _loaded.TrySetResult();
    }

    /// <summary>Stops checking tokens against expired entries.</summary>
    private void Forget(DateTimeOffset now)
    {
        foreach ((string id, DateTimeOffset expires) in _tokens)
        {
            if (expires <= now)
            {
                _tokens.TryRemove(id, out _);
            }
        }

        foreach ((string user, _) in _users)
        {
            if (!_entries.Values.Any(e => e.User == user && e.Expires > now))
            {
                _users.TryRemove(user, out _);
            }
        }
    }

    /// <summary>Every other live coordinator, at once, each bounded by the revocation timeout; one that does not answer learns it from ZooKeeper.</summary>
    private async Task TellCoordinatorsAsync(Revocation revocation, CancellationToken cancellationToken)
    {
        var membership = services.GetRequiredService<IClusterMembershipService>();
        var metadata = services.GetRequiredService<ISiloMetadataCache>();
        var self = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var grains = services.GetRequiredService<IGrainFactory>();
        IEnumerable<Task> told = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(self) && SiloRoles.Has(metadata.GetSiloMetadata(m.SiloAddress), SiloRoles.Coordinator))
            .Select(async m =>
            {
                try
                {
                    await grains.GetGrain<ITokenRevocationGrain>(m.SiloAddress.ToParsableString()).ApplyAsync(revocation.Name)
                        .WaitAsync(config.RevocationTimeout, time, cancellationToken);
                }
                catch (Exception ex) when (ex is TimeoutException or OrleansException)
                {
                    LogNotTold(logger, m.SiloAddress.ToString(), ex.Message);
                }
            });
        await Task.WhenAll(told);
    }

    private async Task DropExpiredAsync(ZooKeeperClient zk)
    {
        DateTimeOffset now = time.GetUtcNow();
        foreach ((string name, Revocation revocation) in _entries.Where(e => e.Value.Expires <= now).ToList())
        {
            try
            {
                await zk.DeleteAsync($"{_paths.Revoked}/{name}");
            }
            catch (NoNodeException)
            {
                // Another coordinator dropped it first.
            }

            _entries.TryRemove(name, out _);
        }

        Forget(now);
    }

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Reading the revoked tokens failed, retrying: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Warning, Message = "Coordinator {Silo} did not confirm a revocation ({Reason}); it learns it from ZooKeeper")]
    private static partial void LogNotTold(ILogger logger, string silo, string reason);
}
