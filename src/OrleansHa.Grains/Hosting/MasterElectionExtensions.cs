using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using OrleansHa.Grains.Election;
using OrleansHa.Grains.Master;
using OrleansHa.Grains.Placement;
using OrleansHa.Grains.Query;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansHa.Coordination;
using OrleansHa.ZooKeeper;

namespace Orleans.Hosting;

/// <summary>The node's machinery on a silo: its roles and role placement, the active master, the election, MasterGrain.</summary>
public static class MasterElectionExtensions
{
    /// <summary>
    /// Publishes this node's <paramref name="roles"/> as silo metadata and lets grains be placed by role with
    /// <c>[RolePlacement("executor")]</c>.
    /// </summary>
    public static ISiloBuilder AddNodeRoles(this ISiloBuilder builder, IEnumerable<string> roles, IReadOnlyDictionary<string, string>? moreMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var metadata = new Dictionary<string, string>(moreMetadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [SiloRoles.MetadataKey] = string.Join(',', roles),
        };
        builder.UseSiloMetadata(metadata);
        builder.Services.AddPlacementFilter<RolePlacementFilterStrategy, RolePlacementFilterDirector>(ServiceLifetime.Transient);
        builder.Services.AddPlacementDirector<ExecutorPlacementStrategy, ExecutorPlacementDirector>();
        builder.Services.AddPlacementDirector<QueryPlacementStrategy, QueryPlacementDirector>();
        builder.AddGrainDirectory(SiloLocalGrainDirectory.Name, (_, _) => new SiloLocalGrainDirectory());
        return builder;
    }

    /// <summary>
    /// Every node watches the active master and can place <c>MasterGrain</c>; master-eligible nodes also stand for
    /// election. The process's <c>SharedZooKeeperClient</c> must be registered.
    /// </summary>
    public static ISiloBuilder AddMasterElection(this ISiloBuilder builder, Action<ElectionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(configure);
        builder.Services.TryAddSingleton<ISelfFencing, ProcessExitFencing>();
        builder.Services.AddSingleton<IFatalErrorHandler, FencingFatalErrorHandler>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new ActiveMasterFollower(
            sp.GetRequiredService<SharedZooKeeperClient>(),
            sp.GetRequiredService<IOptions<ElectionOptions>>().Value.Znodes,
            sp.GetRequiredService<ILogger<ActiveMasterFollower>>()));
        builder.Services.AddHostedService<ActiveMasterFollowing>();
        builder.Services.AddSingleton<OrleansHa.Grains.Cluster.ClusterStatusReader>();
        builder.Services.AddSingleton<CatalogCache>();
        builder.Services.AddSingleton<JobLedger>();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<OrleansHa.Grains.Diagnostics.OrleansHaMetrics>();
        builder.Services.AddSingleton(_ => new OrleansHa.Engine.SandboxPool());
        builder.Services.AddSingleton<MasterLatch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MasterLatch>());
        builder.Services.AddHostedService<OrphanedJobSweeper>();
        builder.Services.AddPlacementDirector<MasterPlacementStrategy, MasterPlacementDirector>();
        builder.AddGrainDirectory(MasterGrainDirectory.Name, (sp, _) => ActivatorUtilities.CreateInstance<MasterGrainDirectory>(sp));
        return builder;
    }

    /// <summary>Follows <c>master/active</c> for the life of the silo, without holding up its start.</summary>
    private sealed class ActiveMasterFollowing(ActiveMasterFollower follower) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = follower.StartAsync(CancellationToken.None);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await follower.DisposeAsync();
    }
}
