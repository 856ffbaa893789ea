namespace OrleansHa.ZooKeeper.Recipes;

/// <summary>Whole-path helpers every recipe needs (kazoo's ensure_path and recursive delete).</summary>
public static class PathRecipes
{
    /// <summary>Creates <paramref name="path"/> and each missing ancestor as empty persistent nodes; existing ones are left as they are.</summary>
    public static async Task EnsurePathAsync(this ZooKeeperClient client, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ZooKeeperPath.Validate(path);
        string current = string.Empty;
        foreach (string segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current += "/" + segment;
            await client.CreateIfMissingAsync(current, null, cancellationToken);
        }
    }

    /// <summary>Creates a persistent node unless it exists; returns whether this call created it.</summary>
    public static async Task<bool> CreateIfMissingAsync(this ZooKeeperClient client, string path, byte[]? data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            await client.CreateAsync(path, data, cancellationToken: cancellationToken);
            return true;
        }
        catch (NodeExistsException)
        {
            return false;
        }
    }

    /// <summary>Deletes <paramref name="path"/> and everything under it; a node already gone is not an error.</summary>
    public static async Task DeleteRecursiveAsync(this ZooKeeperClient client, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        NodeChildren children;
        try
        {
            children = await client.GetChildrenAsync(path, cancellationToken: cancellationToken);
        }
        catch (NoNodeException)
        {
            return;
        }

        await Task.WhenAll(children.Children.Select(child => client.DeleteRecursiveAsync(ZooKeeperPath.Combine(path, child), cancellationToken)));
        try
        {
            await client.DeleteAsync(path, cancellationToken: cancellationToken);
        }
        catch (NoNodeException)
        {
        }
    }
}
