using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper;

/// <summary>
/// Every znode a cluster keeps, under one root (ARCHITECTURE §3): the only place their paths are spelled. The
/// membership table, the master election, the nodes' token key and the grain client all take their paths from here.
/// </summary>
/// <remarks>
/// <code>
/// /orleans-ha/&lt;cluster&gt;                      Root
///   membership[/&lt;silo&gt;[/alive]]               Orleans membership table (version = table version)
///   master/epoch                               persistent: the last epoch issued (CAS on its version)
///   master/active                              ephemeral: the active master's record
///   master/candidates/&lt;node&gt;                 ephemeral: one per waiting standby
///   master/directory/&lt;epoch&gt;                 MasterGrain's grain-directory entry
///   auth/token-key                             the key that signs login tokens
/// </code>
/// </remarks>
public sealed record ClusterZnodes
{
    /// <summary>The default prefix under which each cluster keeps its znodes.</summary>
    public const string DefaultRootPath = "/orleans-ha";

    private ClusterZnodes(string root) => Root = root;

    /// <summary><c>&lt;rootPath&gt;/&lt;clusterId&gt;</c>: everything of the cluster lives under it.</summary>
    public string Root { get; }

    /// <summary>The membership table; its version is the table version, its children the rows.</summary>
    public string Membership => Root + "/membership";

    /// <summary>Everything the master election keeps.</summary>
    public string Master => Root + "/master";

    /// <summary>Persistent: the last epoch issued and the id of the store it belongs to; written only with a version check.</summary>
    public string MasterEpoch => Master + "/epoch";

    /// <summary>Ephemeral: the active master's record (a JSON <c>MasterInfo</c>).</summary>
    public string MasterActive => Master + "/active";

    /// <summary>Ephemeral children: one per waiting standby, for status pages.</summary>
    public string MasterCandidates => Master + "/candidates";

    /// <summary>Children keyed by epoch: where <c>MasterGrain(epoch)</c> is activated.</summary>
    public string MasterDirectory => Master + "/directory";

    /// <summary>The cluster's secrets for logins.</summary>
    public string Auth => Root + "/auth";

    /// <summary>The key that signs login tokens.</summary>
    public string TokenKey => Auth + "/token-key";

    /// <summary>The znodes of cluster <paramref name="clusterId"/> under <paramref name="rootPath"/>.</summary>
    /// <exception cref="ArgumentException">The cluster id cannot name a znode, or the root is not an absolute path.</exception>
    public static ClusterZnodes For(string clusterId, string rootPath = DefaultRootPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentException.ThrowIfNullOrWhiteSpace(rootPath);
        if (clusterId.Contains('/', StringComparison.Ordinal) || clusterId is "." or "..")
        {
            throw new ArgumentException($"The cluster id '{clusterId}' cannot name a znode: it must be without '/', and not '.' or '..'.", nameof(clusterId));
        }

        string root = ZooKeeperPath.Combine(rootPath.Length > 1 ? rootPath.TrimEnd('/') : rootPath, clusterId);
        ZooKeeperPath.Validate(root);
        return new ClusterZnodes(root);
    }
}
