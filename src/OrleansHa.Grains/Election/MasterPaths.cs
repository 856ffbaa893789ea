namespace OrleansHa.Grains.Election;

/// <summary>The election's znodes under the cluster root (ARCHITECTURE §3).</summary>
internal sealed record MasterPaths(string ClusterRoot)
{
    public string Root => ClusterRoot + "/master";

    /// <summary>Persistent: the last epoch issued and the id of the store it belongs to; written only with a version check.</summary>
    public string Epoch => Root + "/epoch";

    /// <summary>Ephemeral: the active master's record.</summary>
    public string Active => Root + "/active";

    /// <summary>Ephemeral children: one per standby, for status pages.</summary>
    public string Candidates => Root + "/candidates";
}
