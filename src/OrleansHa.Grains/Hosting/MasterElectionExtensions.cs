using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime.Hosting;
using OrleansHa.Grains.Election;
using OrleansHa.Grains.Master;

namespace Orleans.Hosting;

/// <summary>The master-coordinator machinery on a silo: watching the active master, electing, placing MasterGrain.</summary>
public static class MasterElectionExtensions
{
    /// <summary>
    /// Every node watches the active master and can place <c>MasterGrain</c>; master-eligible nodes also stand for
    /// election. The process's <c>SharedZooKeeperClient</c> must be registered.
    /// </summary>
    public static ISiloBuilder AddMasterElection(this ISiloBuilder builder, Action<ElectionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(configure);
        builder.Services.TryAddSingleton<ISelfFencing, ProcessExitFencing>();
        builder.Services.AddSingleton<ActiveMasterWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ActiveMasterWatcher>());
        builder.Services.AddSingleton<MasterElection>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MasterElection>());
        builder.Services.AddPlacementDirector<MasterPlacementStrategy, MasterPlacementDirector>();
        builder.AddGrainDirectory(MasterGrainDirectory.Name, (sp, _) => ActivatorUtilities.CreateInstance<MasterGrainDirectory>(sp));
        return builder;
    }
}
