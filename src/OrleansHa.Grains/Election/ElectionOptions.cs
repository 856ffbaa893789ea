namespace OrleansHa.Grains.Election;

/// <summary>What this node brings to the election. Filled by the node from its configuration.</summary>
public sealed class ElectionOptions
{
    /// <summary>The cluster's root znode, e.g. <c>/orleans-ha/&lt;cluster id&gt;</c>.</summary>
    public string ClusterRoot { get; set; } = "/orleans-ha/orleans-ha";

    /// <summary>Whether this node may become master (<c>services.coordinator.master.enabled</c>).</summary>
    public bool MasterEligible { get; set; }

    /// <summary>The shared metadata directory (<c>paths.db</c>) holding <c>master.lock</c> and the store.</summary>
    public string PathsDb { get; set; } = string.Empty;

    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>Where this node's REST API answers, published with the master record.</summary>
    public string WebUrl { get; set; } = string.Empty;

    /// <summary>How often the master proves it still holds the lock on the shared drive (default 500 ms).</summary>
    public TimeSpan LockProofInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
