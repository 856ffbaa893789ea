using OrleansHa.Clustering.ZooKeeper;
using System.Text.Json;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Election;
using OrleansHa.Grains.Placement;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Tests.QueryPath;

/// <summary>
/// A cluster that can run queries end to end: a real ZooKeeper, a real election over a real paths.db, a
/// master-coordinator silo and two executor silos, and a source of generated Parquet files.
/// </summary>
public sealed class QueryClusterFixture : IAsyncLifetime
{
    public const int SalesRows = 100_000;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "orleansha-query-tests", Guid.NewGuid().ToString("N"));
    private ZooKeeperServerProcess? _zooKeeper;

    public TestCluster Cluster { get; private set; } = null!;

    public string SalesDirectory => Path.Combine(_root, "sales");

    /// <summary>A directory with data that no source names: queries must not read it.</summary>
    public string SecretDirectory => Path.Combine(_root, "secret");

    public IMasterGrain Master { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(SalesDirectory);
        Directory.CreateDirectory(SecretDirectory);
        using (var duck = new DuckDBConnection("Data Source=:memory:"))
        {
            duck.Open();
            using var command = duck.CreateCommand();
            command.CommandText =
                $"COPY (SELECT i AS id, i % 7 AS bucket, 'item ' || i AS name FROM range({SalesRows}) t(i)) TO '{SalesDirectory}/part-0.parquet' (FORMAT parquet);" +
                $"COPY (SELECT 'top secret' AS s) TO '{SecretDirectory}/s.csv' (FORMAT csv, HEADER);";
            command.ExecuteNonQuery();
        }

        _zooKeeper = await ZooKeeperServerProcess.StartStandaloneAsync();
        var builder = new TestClusterBuilder(3);
        builder.Properties[RolesAndElection.ZooKeeperKey] = _zooKeeper.ConnectionString;
        builder.Properties[RolesAndElection.PathsDbKey] = Path.Combine(_root, "db");
        builder.Properties[RolesAndElection.ClusterIdKey] = "query-" + Guid.NewGuid().ToString("N")[..8];
        builder.AddSiloBuilderConfigurator<RolesAndElection>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        await using ZooKeeperClient zk = await ZooKeeperClient.ConnectAsync(_zooKeeper.ConnectionString);
        string active = ClusterZnodes.For(builder.Properties[RolesAndElection.ClusterIdKey]!).MasterActive;
        await Poll.UntilAsync(async () => await zk.ExistsAsync(active) is not null, TimeSpan.FromSeconds(60), "a master to be elected");
        using JsonDocument record = JsonDocument.Parse((await zk.GetDataAsync(active)).Data);
        Master = Cluster.Client.GetGrain<IMasterGrain>(record.RootElement.GetProperty("epoch").GetInt64());
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    await Master.CreateSourceAsync("sales", SalesDirectory);
                    return true;
                }
                catch (NoActiveMasterException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "the master to accept the source");
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (_zooKeeper is not null)
        {
            await _zooKeeper.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>The primary silo is the master-coordinator; the others are executors. All share one ZooKeeper session each.</summary>
    private sealed class RolesAndElection : ISiloConfigurator
    {
        public const string ZooKeeperKey = "OrleansHa:ZooKeeper";
        public const string PathsDbKey = "OrleansHa:PathsDb";
        public const string ClusterIdKey = "OrleansHa:ClusterId";

        public void Configure(ISiloBuilder siloBuilder)
        {
            string name = siloBuilder.Configuration["Orleans:Name"] ?? throw new InvalidOperationException("The test cluster gave the silo no name.");
            bool master = name == "Primary";
            siloBuilder.Services.AddSingleton(new SharedZooKeeperClient(new ZooKeeperClientOptions
            {
                ConnectionString = siloBuilder.Configuration[ZooKeeperKey]!,
                SessionTimeout = TimeSpan.FromSeconds(4),
            }));

            // In a test host, fencing must fail the test, not end the test process.
            siloBuilder.Services.AddSingleton<ISelfFencing, ThrowingFencing>();
            siloBuilder.AddNodeRoles(master ? [SiloRoles.Master, SiloRoles.Coordinator] : [SiloRoles.Executor]);
            siloBuilder.AddMasterElection(o =>
            {
                o.Znodes = ClusterZnodes.For(siloBuilder.Configuration[ClusterIdKey]!);
                o.MasterEligible = master;
                o.PathsDb = siloBuilder.Configuration[PathsDbKey]!;
                o.NodeName = name;
            });
        }
    }

    private sealed class ThrowingFencing : ISelfFencing
    {
        public void Fence(string reason) => throw new InvalidOperationException("A silo of the test cluster fenced itself: " + reason);
    }
}
