using OrleansHa.Abstractions;

namespace OrleansHa.Node.Security;

/// <summary>
/// The login tokens' znodes under a cluster's root, in one place: every coordinator reads and watches them, so the
/// whole cluster accepts and refuses the same tokens.
/// </summary>
internal sealed record AuthPaths(string ClusterRoot)
{
    public string Root => ClusterRoot + "/auth";

    /// <summary>Persistent: the signing keys (<see cref="TokenKeyRing"/>), the current one and those retired but still checking tokens.</summary>
    public string TokenKey => Root + "/token-key";

    /// <summary>Persistent children, one per revoked token or user (<see cref="Revocation"/>), each named with its expiry.</summary>
    public string Revoked => Root + "/revoked";

    /// <summary>The paths of cluster <paramref name="clusterId"/>: <c>/orleans-ha/&lt;cluster id&gt;/auth/...</c>.</summary>
    public static AuthPaths For(string clusterId) => new(MasterPaths.For(clusterId).ClusterRoot);
}
