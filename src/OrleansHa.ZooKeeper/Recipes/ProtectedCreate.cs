namespace OrleansHa.ZooKeeper.Recipes;

/// <summary>
/// Creates that survive a lost reply. A create whose connection broke may or may not have been applied; for an
/// ephemeral-sequential node a blind retry could leave an orphan that holds a lock or a place in a queue for the
/// rest of the session. A GUID in the name lets the client find its own node instead.
/// </summary>
public static class ProtectedCreate
{
    /// <summary>The prefix of a protected name: <c>_c_&lt;guid&gt;-</c>, as Curator writes it.</summary>
    public const string Prefix = "_c_";

    /// <summary>
    /// Creates an ephemeral-sequential node named <c>_c_&lt;guid&gt;-&lt;name&gt;&lt;sequence&gt;</c> under the parent of
    /// <paramref name="path"/> and returns its path. After a connection loss it waits for the connection, looks for
    /// its GUID among the parent's children and retries only if the node is not there.
    /// </summary>
    /// <exception cref="SessionExpiredException">The session ended before the create was known to succeed; any node it made is gone with it.</exception>
    public static async Task<string> CreateProtectedEphemeralSequentialAsync(
        this ZooKeeperClient client,
        string path,
        byte[]? data,
        IReadOnlyList<Acl>? acl = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ZooKeeperPath.Validate(path, isSequential: true);
        string parent = ZooKeeperPath.GetParent(path);
        string marker = $"{Prefix}{Guid.NewGuid():N}-";
        string protectedPath = ZooKeeperPath.Combine(parent, marker + ZooKeeperPath.GetName(path));
        ZooKeeperSession session = client.Session ?? throw ZooKeeperException.Create(ErrorCode.ConnectionLoss, path, "no session yet");
        bool mayExist = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (mayExist)
                {
                    await client.WaitUntilConnectedAsync(cancellationToken);
                    EnsureSameSession(client, session, path);
                    NodeChildren children = await client.GetChildrenAsync(parent, cancellationToken: cancellationToken);
                    string? mine = children.Children.FirstOrDefault(c => c.StartsWith(marker, StringComparison.Ordinal));
                    if (mine is not null)
                    {
                        return ZooKeeperPath.Combine(parent, mine);
                    }
                }

                EnsureSameSession(client, session, path);
                return await client.CreateAsync(protectedPath, data, CreateMode.EphemeralSequential, acl, cancellationToken);
            }
            catch (ConnectionLossException)
            {
                mayExist = true;
            }
        }
    }

    /// <summary>Whether <paramref name="name"/> is a protected name; if so, the name the caller asked for (without the GUID).</summary>
    public static bool TryGetOriginalName(string name, out string originalName)
    {
        ArgumentNullException.ThrowIfNull(name);
        const int GuidLength = 32;
        if (name.StartsWith(Prefix, StringComparison.Ordinal) && name.Length > Prefix.Length + GuidLength && name[Prefix.Length + GuidLength] == '-')
        {
            originalName = name[(Prefix.Length + GuidLength + 1)..];
            return true;
        }

        originalName = name;
        return false;
    }

    private static void EnsureSameSession(ZooKeeperClient client, ZooKeeperSession session, string path)
    {
        if (session.IsLost || client.Session != session)
        {
            throw ZooKeeperException.Create(ErrorCode.SessionExpired, path, $"session 0x{session.Id:x} ended before the protected create was confirmed");
        }
    }
}
