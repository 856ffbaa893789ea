using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;
using OrleansHa.Grains.Placement;

namespace OrleansHa.Grains.Tests.Placement;

public interface IRoleProbeGrain : IGrainWithIntegerKey
{
    Task<string> GetSiloAsync();
}

[RolePlacement(SiloRoles.Executor)]
public sealed class ExecutorProbeGrain(ILocalSiloDetails silo) : Grain, IRoleProbeGrain
{
    public Task<string> GetSiloAsync() => Task.FromResult(silo.Name);
}

public interface ICoordinatorProbeGrain : IRoleProbeGrain;

[RolePlacement(SiloRoles.Coordinator)]
public sealed class CoordinatorProbeGrain(ILocalSiloDetails silo) : Grain, ICoordinatorProbeGrain
{
    public Task<string> GetSiloAsync() => Task.FromResult(silo.Name);
}

/// <summary>Grains marked with a role land only on silos whose metadata lists it, whoever places them.</summary>
public sealed class RolePlacementTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<RolesBySiloName>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Executor_grains_land_only_on_executors_and_coordinator_grains_only_on_the_coordinator()
    {
        var executorHosts = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 30; i++)
        {
            executorHosts.Add(await _cluster.Client.GetGrain<IRoleProbeGrain>(i, grainClassNamePrefix: typeof(ExecutorProbeGrain).FullName).GetSiloAsync());
        }

        var coordinatorHosts = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 10; i++)
        {
            coordinatorHosts.Add(await _cluster.Client.GetGrain<ICoordinatorProbeGrain>(i).GetSiloAsync());
        }

        Assert.Subset(new HashSet<string>(["Secondary_1", "Secondary_2"]), executorHosts);
        Assert.Equal(["Primary"], coordinatorHosts);
    }

    /// <summary>The primary silo is the coordinator; the others are executors.</summary>
    private sealed class RolesBySiloName : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            string name = siloBuilder.Configuration["Orleans:Name"] ?? throw new InvalidOperationException("The test cluster gave the silo no name.");
            siloBuilder.AddNodeRoles([name == "Primary" ? SiloRoles.Coordinator : SiloRoles.Executor]);
        }
    }
}
