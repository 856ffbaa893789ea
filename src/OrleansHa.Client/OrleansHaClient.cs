using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Security;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.Coordination;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Client;

/// <summary>
/// A connection to an OrleansHa cluster, found through its ZooKeeper quorum alone: the client reads the live
/// coordinators (gateways) and the active master from ZooKeeper, runs SQL on any coordinator, and follows failovers.
/// Thread-safe; one per application is enough. Dispose it to disconnect.
/// </summary>
/// <example>
/// <code>
/// await using var client = await OrleansHaClient.ConnectAsync("zk1:2181,zk2:2181,zk3:2181", new() { ClusterId = "prod" });
/// await foreach (object?[] row in client.QueryAsync("SELECT * FROM sales LIMIT 10").RowsAsync())
///     Console.WriteLine(string.Join(", ", row));
/// </code>
/// </example>
public sealed partial class OrleansHaClient : IAsyncDisposable
{
    /// <summary>The Orleans service id every node uses.</summary>
    private const string ServiceId = "orleans-ha";

    private readonly IHost _host;
    private readonly ActiveMasterFollower _masters;
    private readonly MasterCalls _masterCalls;
    private readonly SiloDeathWatcher _deaths;
    private readonly OrleansHaClientOptions _options;
    private readonly ILogger _logger;

    private OrleansHaClient(IHost host, ActiveMasterFollower masters, OrleansHaClientOptions options, ILogger logger)
    {
        _host = host;
        _masters = masters;
        _options = options;
        _logger = logger;
        Grains = host.Services.GetRequiredService<IClusterClient>();
        _deaths = host.Services.GetRequiredService<SiloDeathWatcher>();
        _masterCalls = new MasterCalls(Grains, masters, options.MasterFailoverPatience);
    }

    /// <summary>The Orleans client underneath, for calling grains directly. Calls through it carry the login token too.</summary>
    public IClusterClient Grains { get; }

    /// <summary>The active master as last read from ZooKeeper, or null during a failover.</summary>
    public MasterInfo? ActiveMaster => _masters.Current;

    /// <summary>
    /// Connects to the cluster whose nodes register in the ZooKeeper ensemble <paramref name="zooKeeperConnectionString"/>
    /// (<c>host:port[,host:port...]</c>) and, given credentials, logs in.
    /// </summary>
    /// <exception cref="AuthenticationFailedException">The user name or password (or the token) was refused.</exception>
    /// <exception cref="LoginThrottledException">Too many failed logins for the user: try again after its <see cref="LoginThrottledException.RetryAfter"/>.</exception>
    /// <exception cref="TimeoutException">No ZooKeeper server, gateway or master record could be reached within <see cref="OrleansHaClientOptions.ConnectTimeout"/>.</exception>
    public static async Task<OrleansHaClient> ConnectAsync(string zooKeeperConnectionString, OrleansHaClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(zooKeeperConnectionString);
        options ??= new OrleansHaClientOptions();
        options.Validate();
        ILoggerFactory loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var tokens = new TokenHolder(options.Token);
        IHost host = BuildHost(zooKeeperConnectionString, options, loggers, tokens);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        ActiveMasterFollower? masters = null;
        try
        {
            await host.StartAsync(timeout.Token);
            masters = new ActiveMasterFollower(
                host.Services.GetRequiredService<SharedZooKeeperClient>(),
                ClusterZnodes.For(options.ClusterId, options.RootPath),
                loggers.CreateLogger<OrleansHaClient>());
            await masters.StartAsync(timeout.Token);
            if (options.UserName is not null)
            {
                tokens.Token = await host.Services.GetRequiredService<IClusterClient>()
                    .GetGrain<ILoginGrain>(0).LoginAsync(options.UserName, options.Password!).WaitAsync(timeout.Token);
            }

            var client = new OrleansHaClient(host, masters, options, loggers.CreateLogger<OrleansHaClient>());
            LogConnected(client._logger, options.ClusterId, masters.Current?.Epoch ?? 0);
            return client;
        }
        catch (Exception ex)
        {
            if (masters is not null)
            {
                await masters.DisposeAsync();
            }

            await StopQuietlyAsync(host);
            if (ex is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"Could not connect to cluster '{options.ClusterId}' through ZooKeeper '{zooKeeperConnectionString}' within {options.ConnectTimeout.TotalSeconds:0.#} s: "
                    + "is the ensemble up, and is a coordinator of that cluster registered in it?",
                    ex);
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _masters.DisposeAsync();
        await StopQuietlyAsync(_host);
    }

    private static IHost BuildHost(string zooKeeper, OrleansHaClientOptions options, ILoggerFactory loggers, TokenHolder tokens)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        // Loaded here, so a bad file fails ConnectAsync at once naming it; disposed with the host.
        Coordination.ClusterTls? tls = options.Tls is { } tlsFiles ? Coordination.ClusterTls.Load(tlsFiles) : null;
        if (tls is not null)
        {
            builder.Services.AddSingleton(tls);
        }

        builder.UseOrleansClient(client =>
        {
            if (tls is not null)
            {
                client.UseClusterTls(tls);
            }

            client
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = ServiceId;
                })
                .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout)
                .UseZooKeeperClustering(o =>
                {
                    o.ConnectionString = zooKeeper;
                    o.RootPath = options.RootPath;
                    o.SessionTimeout = options.ZooKeeperSessionTimeout;
                    o.ConnectTimeout = options.ConnectTimeout;
                    o.GatewayListRefreshPeriod = options.GatewayListRefreshPeriod;
                    o.GatewayProbeTimeout = options.GatewayProbeTimeout;
                })
                .AddOutgoingGrainCallFilter(tokens.Attach);
        });
        builder.Services.AddSingleton<IClientConnectionRetryFilter>(new ConnectionRetry());
        return builder.Build();
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OrleansException or ObjectDisposedException)
        {
            // Stopping a client whose gateways are gone: nothing left to tell them.
        }
        finally
        {
            host.Dispose();
        }
    }

    /// <summary>The token every call carries once logged in (or given one).</summary>
    private sealed class TokenHolder(string? token)
    {
        public string? Token { get; set; } = token;

        public async Task Attach(IOutgoingGrainCallContext context)
        {
            if (Token is { } token)
            {
                RequestContext.Set(AuthTokens.RequestContextKey, token);
            }

            await context.Invoke();
        }
    }

    /// <summary>Keeps trying gateways until the connect timeout cancels: a coordinator may be starting or failing over.</summary>
    private sealed class ConnectionRetry : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            return true;
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Connected to cluster {ClusterId}; active master epoch {Epoch}")]
    private static partial void LogConnected(ILogger logger, string clusterId, long epoch);
}
