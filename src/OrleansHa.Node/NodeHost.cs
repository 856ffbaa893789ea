using System.Net;
using Orleans.Dashboard;
using Orleans.Configuration;
using OrleansHa.Grains.Diagnostics;
using OrleansHa.Node.Configuration;
using OrleansHa.Node.Diagnostics;
using OrleansHa.Node.Flight;
using OrleansHa.Node.Http;
using OrleansHa.Node.Security;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node;

/// <summary>Builds the node: an Orleans silo with its roles, ZooKeeper membership, the election, REST and the dashboard.</summary>
internal static class NodeHost
{
    public static WebApplication Build(NodeConfiguration config)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        AddConsoleLogging(builder.Logging, config);
        builder.WebHost.UseNodeListeners(config);

        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(sp => new SharedZooKeeperClient(new ZooKeeperClientOptions
        {
            ConnectionString = config.ZooKeeper,
            SessionTimeout = config.SessionTimeout,
            // Long enough to ride out an ensemble electing a leader, short enough that a wrong address fails the start soon.
            ConnectTimeout = config.SessionTimeout * 2 > TimeSpan.FromSeconds(5) ? config.SessionTimeout * 2 : TimeSpan.FromSeconds(5),
            LoggerFactory = sp.GetRequiredService<ILoggerFactory>(),
            RequestCompleted = sp.GetRequiredService<OrleansHaMetrics>().ZooKeeperRequestCompleted,
        }));
        builder.Services.AddSingleton<MasterClient>();
        builder.Services.AddSingleton<OrleansHa.Grains.Health.NodeHealthProbe>();
        builder.Services.AddHostedService<Supervision.NodeHeartbeat>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSecurity();
        builder.Services.AddRequestErrors();
        builder.Services.Configure<OrleansHa.Grains.Query.QueryOptions>(o => o.PathsDist = config.PathsDist);
        builder.Services.AddOperatorServices();
        builder.Services.AddFlight(config);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = config.ClusterId;
                o.ServiceId = "orleans-ha";
            });
            silo.ConfigureEndpoints(
                IPAddress.Parse(config.NodeAddress),
                config.FabricPort,
                config.CoordinatorEnabled ? config.ClientEndpointPort : 0,
                listenOnAnyHostAddress: false);
            // Membership shares the node's one ZooKeeper session registered above.
            silo.UseZooKeeperClustering(o => o.ConnectionString = config.ZooKeeper);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                // Measured on loopback: a killed silo reads Dead in about 1 s with the defaults (membership.*), 15 s with Orleans' own.
                o.ProbeTimeout = config.Membership.ProbeTimeout;
                o.NumMissedProbesLimit = config.Membership.MissedProbesLimit;
                o.TableRefreshTimeout = config.Membership.TableRefreshTimeout;
                o.IAmAliveTablePublishTimeout = config.Membership.IAmAlivePublishTimeout;
            });
            silo.AddNodeRoles(config.Roles, new Dictionary<string, string>
            {
                [OrleansHa.Grains.Placement.SiloRoles.NodeNameKey] = config.NodeName,
                [OrleansHa.Grains.Placement.SiloRoles.WebUrlKey] = WebUrl(config),
                [OrleansHa.Grains.Placement.SiloRoles.FlightUrlKey] = config.CoordinatorEnabled ? FlightLocations.Of(config) : string.Empty,
            });
            silo.AddMasterElection(o =>
            {
                o.Znodes = config.Znodes;
                o.MasterEligible = config.MasterEnabled;
                o.PathsDb = config.PathsDb;
                o.NodeName = config.NodeName;
                o.WebUrl = WebUrl(config);
                o.LockProofInterval = config.Master.LockProofInterval;
                o.ClaimRetryMaxDelay = config.Master.ClaimRetryMaxDelay;
            });
            silo.AddDashboard();
            silo.AddIncomingGrainCallFilter<TokenCallFilter>();
            silo.Services.AddPlacementDirector<SiloKeyedPlacementStrategy, SiloKeyedPlacementDirector>();
        });

        WebApplication app = builder.Build();
        app.UseRequestErrors();
        app.UseRestAuthentication();
        app.MapOperatorEndpoints();
        app.MapNodeEndpoints();
        app.MapClusterPage();
        app.MapJobEndpoints();
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapFlight(config);
        return app;
    }

    /// <summary>One line per event on the console (text or JSON, <c>log.format</c>), for the node and its supervisor alike.</summary>
    public static void AddConsoleLogging(ILoggingBuilder logging, NodeConfiguration config)
    {
        logging.ClearProviders();
        if (config.LogFormat == NodeLogFormat.Json)
        {
            // Every value of a [LoggerMessage] becomes a property of "State": a master transition carries its epoch,
            // node and cause as fields a log shipper can index.
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddFilter("OrleansHa", LogLevel.Information);
    }

    private static string WebUrl(NodeConfiguration config) => $"http://{config.NodeAddress}:{config.WebPort}";
}
