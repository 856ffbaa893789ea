using Microsoft.Extensions.Logging;
using Orleans;

namespace OrleansHa.Client;

/// <summary>How <see cref="OrleansHaClient"/> finds the cluster, who it is, and how patient it is.</summary>
public sealed class OrleansHaClientOptions
{
    /// <summary>The cluster to join (the nodes' <c>cluster.id</c>). Default "orleans-ha".</summary>
    public string ClusterId { get; set; } = "orleans-ha";

    /// <summary>The znode under which clusters keep their data, as <c>&lt;RootPath&gt;/&lt;ClusterId&gt;</c>. Default "/orleans-ha".</summary>
    public string RootPath { get; set; } = Clustering.ZooKeeper.ClusterZnodes.DefaultRootPath;

    /// <summary>The user to log in as at connect; with <see cref="Password"/>. Null: no login (unless <see cref="Token"/> is set).</summary>
    public string? UserName { get; set; }

    [Redact]
    public string? Password { get; set; }

    /// <summary>A token from an earlier login, sent with every call instead of logging in.</summary>
    [Redact]
    public string? Token { get; set; }

    /// <summary>
    /// Whether a query that only reads (see <see cref="Sql.SqlText.IsRead"/>) and was interrupted by the
    /// loss of a node before any of its batches reached the caller is submitted again by itself. Default on.
    /// </summary>
    public bool AutoResubmit { get; set; } = true;

    /// <summary>How many times one query may be resubmitted before the interruption reaches the caller. Default 3.</summary>
    public int MaxResubmissions { get; set; } = 3;

    /// <summary>How long to wait before a resubmission, for membership to notice the lost node. Default 200 ms.</summary>
    public TimeSpan ResubmitDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long <see cref="OrleansHaClient.ConnectAsync"/> may take: ZooKeeper, a gateway, the master record. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one call may wait for its answer (Orleans' <c>MessagingOptions.ResponseTimeout</c>). A long query is
    /// not bound by it: its stream sends heartbeats. Default 30 s.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long calls to the master ride out a failover before failing with NoActiveMasterException. Default 10 s.</summary>
    public TimeSpan MasterFailoverPatience { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The ZooKeeper session timeout to ask for. Default 10 s.</summary>
    public TimeSpan ZooKeeperSessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the gateway list is read again from ZooKeeper. Default 2 s.</summary>
    public TimeSpan GatewayListRefreshPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The client's TLS identity for a cluster that runs mutual TLS (<c>services.tls.enabled</c>): the cluster's CA and a
    /// certificate it signed, with its key (PEM files). Null (the default): plain connections, for a cluster without TLS.
    /// </summary>
    public Coordination.ClusterTlsFiles? Tls { get; set; }

    /// <summary>
    /// At each gateway list refresh, how long a gateway may take to accept a TCP connection before the client stops
    /// routing calls to it (it is alive for the cluster but out of this client's reach). Zero turns the probe off. Default 1 s.
    /// </summary>
    public TimeSpan GatewayProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the client logs (resubmissions, master changes). Null: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ClusterId, nameof(ClusterId));
        ArgumentException.ThrowIfNullOrWhiteSpace(RootPath, nameof(RootPath));
        if (!RootPath.StartsWith('/'))
        {
            throw new ArgumentException($"RootPath must start with '/': '{RootPath}'.", nameof(RootPath));
        }

        if (UserName is not null && Password is null)
        {
            throw new ArgumentException("A user name needs a password.", nameof(Password));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxResubmissions, nameof(MaxResubmissions));
        ArgumentOutOfRangeException.ThrowIfLessThan(ResubmitDelay, TimeSpan.Zero, nameof(ResubmitDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(GatewayProbeTimeout, TimeSpan.Zero, nameof(GatewayProbeTimeout));
        foreach ((TimeSpan value, string name) in new[]
        {
            (ConnectTimeout, nameof(ConnectTimeout)),
            (ResponseTimeout, nameof(ResponseTimeout)),
            (MasterFailoverPatience, nameof(MasterFailoverPatience)),
            (ZooKeeperSessionTimeout, nameof(ZooKeeperSessionTimeout)),
            (GatewayListRefreshPeriod, nameof(GatewayListRefreshPeriod)),
        })
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, name);
        }
    }
}
