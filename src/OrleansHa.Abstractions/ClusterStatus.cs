namespace OrleansHa.Abstractions;

/// <summary>The cluster as one coordinator sees it: its nodes with their roles, the active master and the standbys.</summary>
[GenerateSerializer]
[Immutable]
public sealed record ClusterStatus(
    [property: Id(0)] IReadOnlyList<NodeStatus> Nodes,
    [property: Id(1)] MasterInfo? Master,
    [property: Id(2)] IReadOnlyList<string> Standbys);

/// <summary>One node (silo) that membership does not list as dead.</summary>
/// <param name="Name">The node's name (<c>node.name</c>).</param>
/// <param name="SiloAddress">Its Orleans silo address.</param>
/// <param name="Roles">What it plays: master, coordinator, executor.</param>
/// <param name="Status">Its membership status (Joining, Active, ShuttingDown, ...).</param>
/// <param name="WebUrl">Where its REST API answers, if it is a coordinator.</param>
[GenerateSerializer]
[Immutable]
public sealed record NodeStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string SiloAddress,
    [property: Id(2)] IReadOnlyList<string> Roles,
    [property: Id(3)] string Status,
    [property: Id(4)] string? WebUrl);

/// <summary>The cluster view of the coordinator that takes the call (a stateless worker on that coordinator).</summary>
public interface IClusterStatusGrain : IGrainWithIntegerKey
{
    /// <summary>Membership, roles, the master and the standbys, as this coordinator knows them; waits on no other node.</summary>
    Task<ClusterStatus> GetStatusAsync();

    /// <summary>
    /// How many queries each executor is running now, by silo address: the load an application or an operator may see
    /// without reaching the executors themselves. An executor that does not answer within a second is left out.
    /// </summary>
    Task<IReadOnlyDictionary<string, int>> GetRunningQueriesAsync();
}
