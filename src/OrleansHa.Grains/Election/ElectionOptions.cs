using OrleansHa.Clustering.ZooKeeper;

namespace OrleansHa.Grains.Election;

/// <summary>What this node brings to the election. Filled by the node from its configuration.</summary>
public sealed class ElectionOptions
{
    /// <summary>The cluster's znodes.</summary>
    public ClusterZnodes Znodes { get; set; } = ClusterZnodes.For("orleans-ha");

    /// <summary>Whether this node may become master (<c>services.coordinator.master.enabled</c>).</summary>
    public bool MasterEligible { get; set; }

    /// <summary>The shared metadata directory (<c>paths.db</c>) holding <c>master.lock</c> and the store.</summary>
    public string PathsDb { get; set; } = string.Empty;

    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>Where this node's REST API answers, published with the master record.</summary>
    public string WebUrl { get; set; } = string.Empty;

    /// <summary>How often the active master proves its standing: lock, session and record (default 500 ms).</summary>
    public TimeSpan LockProofInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest wait between two attempts to claim the epoch while holding the lock and ZooKeeper cannot be
    /// reached (the first wait is 50 ms, doubling up to this; default 1 s). A claim is retried for as long as the node
    /// runs: the lock holder is the only node that can become master, so it must not give up.
    /// </summary>
    public TimeSpan ClaimRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(1);
}
