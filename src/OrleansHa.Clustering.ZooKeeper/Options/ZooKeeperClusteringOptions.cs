using Microsoft.Extensions.Logging;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper;

/// <summary>Where and how the membership table lives in ZooKeeper.</summary>
public sealed class ZooKeeperClusteringOptions
{
    /// <summary>
    /// The ensemble, <c>host:port[,host:port...][/chroot]</c>. Required. Silos and clients name the quorum, never a node.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The znode under which each cluster keeps its data, as <c>&lt;RootPath&gt;/&lt;ClusterId&gt;/membership</c> (default "/orleans-ha").</summary>
    public string RootPath { get; set; } = ClusterZnodes.DefaultRootPath;

    /// <summary>The ZooKeeper session timeout to ask for (default 10 s; the server clamps it).</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the first connection may take before startup fails naming the connection string (default 15 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// For grain clients: how often the gateway list is read again from ZooKeeper (Orleans' default is one minute,
    /// too slow to follow a failover). Sets <c>GatewayOptions.GatewayListRefreshPeriod</c>. Default 5 s.
    /// </summary>
    public TimeSpan GatewayListRefreshPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// For grain clients: at each gateway list refresh, how long a TCP connection to each gateway may take before that
    /// gateway is left out of the list as out of this client's reach (a partition between the two), so that calls go
    /// to the others instead of waiting for the response timeout. Zero turns the probe off. Default 1 s.
    /// </summary>
    public TimeSpan GatewayProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// For grain clients that use <see cref="SiloDeathWatcher"/>: while it watches a silo, how often it reads the
    /// membership table's version even without a change notification, a backstop should a watch be lost. Default 2 s.
    /// </summary>
    public TimeSpan DeathWatchPollPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The ZooKeeper client options these clustering options ask for.</summary>
    internal ZooKeeperClientOptions ToClientOptions(ILoggerFactory loggerFactory) => new()
    {
        ConnectionString = ConnectionString,
        SessionTimeout = SessionTimeout,
        ConnectTimeout = ConnectTimeout,
        LoggerFactory = loggerFactory,
    };
}
