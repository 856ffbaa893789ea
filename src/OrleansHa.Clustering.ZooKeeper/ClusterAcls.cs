using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper;

/// <summary>
/// Who may read and change each znode of a cluster: the one place that decides it. The cluster's digest identity has
/// every right on every znode, the root path and the cluster root included; the only thing a reader without secrets may
/// see is what finding the cluster needs (the membership rows the grain client reads its gateways from, and
/// <c>master/active</c>), and that only to read. The token key, the epoch and everything writable are the identity's alone.
/// </summary>
/// <remarks>
/// Given to the node's ZooKeeper client as its <see cref="ZooKeeperClientOptions.DefaultAcl"/>, so membership, the
/// election, the token key and the revocations all create their znodes with it without naming an ACL themselves.
/// </remarks>
public sealed class ClusterAcls
{
    private static readonly Acl WorldRead = new(Permissions.Read, "world", "anyone");

    private readonly ClusterZnodes _znodes;
    private readonly IReadOnlyList<Acl> _private;
    private readonly IReadOnlyList<Acl> _discoverable;

    public ClusterAcls(ClusterZnodes znodes, DigestIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(znodes);
        ArgumentNullException.ThrowIfNull(identity);
        _znodes = znodes;
        Identity = identity;
        Acl owner = identity.ToAcl(Permissions.All);
        _private = [owner];
        _discoverable = [owner, WorldRead];
    }

    /// <summary>The identity that owns the cluster's znodes.</summary>
    public DigestIdentity Identity { get; }

    /// <summary>The ACL the znode at <paramref name="path"/> is created with (and must carry).</summary>
    public IReadOnlyList<Acl> For(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool discoverable = path == _znodes.MasterActive
            || path == _znodes.Membership
            || path.StartsWith(_znodes.Membership + "/", StringComparison.Ordinal);
        return discoverable ? _discoverable : _private;
    }

    /// <summary>
    /// The znodes that must carry these ACLs and exist now: the ancestors of the cluster root (the root path), then the
    /// cluster root and everything under it, parents before children. Needs read access to each.
    /// </summary>
    public async Task<IReadOnlyList<string>> ExistingZnodesAsync(ZooKeeperClient zooKeeper, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(zooKeeper);
        var found = new List<string>();
        string current = string.Empty;
        foreach (string segment in _znodes.Root.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current += "/" + segment;
            if (await zooKeeper.ExistsAsync(current, cancellationToken: cancellationToken) is null)
            {
                return found;
            }

            if (current != _znodes.Root)
            {
                found.Add(current);
            }
        }

        var pending = new Queue<string>([_znodes.Root]);
        while (pending.TryDequeue(out string? path))
        {
            found.Add(path);
            try
            {
                NodeChildren children = await zooKeeper.GetChildrenAsync(path, cancellationToken: cancellationToken);
                foreach (string child in children.Children.Order(StringComparer.Ordinal))
                {
                    pending.Enqueue(ZooKeeperPath.Combine(path, child));
                }
            }
            catch (NoNodeException)
            {
                // Gone meanwhile (an ephemeral of a session that ended): nothing left to protect.
                found.Remove(path);
            }
        }

        return found;
    }

    /// <summary>
    /// Fails with <see cref="ClusterAclException"/> at the first znode whose ACL is not the one <see cref="For"/> gives:
    /// one this identity cannot read (the cluster belongs to another identity), or one created without ACLs.
    /// </summary>
    public async Task CheckAsync(ZooKeeperClient zooKeeper, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(zooKeeper);
        IReadOnlyList<string> znodes;
        try
        {
            znodes = await ExistingZnodesAsync(zooKeeper, cancellationToken);
        }
        catch (NoAuthException ex)
        {
            throw WrongIdentity(ex.Path ?? _znodes.Root, ex);
        }

        foreach (string path in znodes)
        {
            NodeAcl actual;
            try
            {
                actual = await zooKeeper.GetAclAsync(path, cancellationToken);
            }
            catch (NoAuthException ex)
            {
                throw WrongIdentity(path, ex);
            }
            catch (NoNodeException)
            {
                continue;
            }

            IReadOnlyList<Acl> expected = For(path);
            if (actual.Acl.ToHashSet().SetEquals(expected))
            {
                continue;
            }

            bool open = actual.Acl.Any(a => a is { Scheme: "world", Id: "anyone" } && (a.Permissions & ~Permissions.Read) != 0);
            if (!open && !actual.Acl.Contains(expected[0]))
            {
                throw WrongIdentity(path, null);
            }

            throw new ClusterAclException(
                path,
                $"the znode '{path}' carries the ACL [{Describe(actual.Acl)}] instead of [{Describe(expected)}]: the cluster's " +
                "znodes were created without ACLs (or changed since), so anyone who reaches ZooKeeper could read or change them. " +
                "Stop every node of the cluster and run 'orleans-ha-node --config <file> --migrate-zookeeper-acls' once, with " +
                "the cluster's identity configured (zk.client.auth.file), then start the nodes again.");
        }
    }

    /// <summary>Sets the ACL <see cref="For"/> gives on every existing znode of the cluster; returns how many it set.</summary>
    public async Task<int> MigrateAsync(ZooKeeperClient zooKeeper, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(zooKeeper);
        int changed = 0;
        foreach (string path in await ExistingZnodesAsync(zooKeeper, cancellationToken))
        {
            try
            {
                await zooKeeper.SetAclAsync(path, For(path), cancellationToken: cancellationToken);
                changed++;
            }
            catch (NoNodeException)
            {
                // An ephemeral of a session that ended meanwhile.
            }
            catch (NoAuthException ex)
            {
                throw WrongIdentity(path, ex);
            }
        }

        return changed;
    }

    private ClusterAclException WrongIdentity(string path, Exception? inner) => new(
        path,
        $"ZooKeeper does not give the identity '{Identity.User}' full rights on '{path}': the cluster was created with " +
        "another identity, or zk.client.auth.file (or zk.client.auth.digest) holds the wrong password. Give this node the " +
        "identity the cluster's other nodes use.",
        inner);

    private static string Describe(IEnumerable<Acl> acl) =>
        string.Join(", ", acl.Select(a => $"{a.Scheme}:{(a.Scheme == "digest" ? a.Id.Split(':')[0] : a.Id)}:{Letters(a.Permissions)}"));

    private static string Letters(Permissions permissions) =>
        string.Concat(new[] { (Permissions.Create, 'c'), (Permissions.Delete, 'd'), (Permissions.Read, 'r'), (Permissions.Write, 'w'), (Permissions.Admin, 'a') }
            .Where(p => permissions.HasFlag(p.Item1))
            .Select(p => p.Item2));
}

/// <summary>A cluster's znodes do not carry the ACLs <see cref="ClusterAcls"/> gives them; the message says which znode and what to do.</summary>
public sealed class ClusterAclException : Exception
{
    public ClusterAclException(string path, string message, Exception? inner = null)
        : base(message, inner) => Path = path;

    public ClusterAclException()
    {
    }

    public ClusterAclException(string message) : base(message)
    {
    }

    public ClusterAclException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The znode at fault.</summary>
    public string? Path { get; }
}
