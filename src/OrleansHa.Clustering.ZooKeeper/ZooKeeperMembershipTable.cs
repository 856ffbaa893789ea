using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using OrleansHa.ZooKeeper;
using OrleansHa.ZooKeeper.Recipes;

namespace OrleansHa.Clustering.ZooKeeper;

/// <summary>The Orleans membership table in ZooKeeper.</summary>
/// <remarks>
/// <para>Layout and version mapping:</para>
/// <list type="bullet">
/// <item><c>&lt;root&gt;/&lt;cluster&gt;/membership</c>: its data is the table version number, and its znode version is
/// the table version's ETag. Every insert and update sets it with a version check, so a stale table version fails.</item>
/// <item><c>.../membership/&lt;silo&gt;</c>: one row as JSON; its znode version is the row's ETag.</item>
/// <item><c>.../membership/&lt;silo&gt;/alive</c>: IAmAlive, written without any version check, so heartbeats never
/// bump the table version or the row ETag and never conflict with membership changes.</item>
/// </list>
/// <para>
/// Insert and update are one multi transaction (table version, row, alive): all or nothing. A version conflict,
/// an existing row on insert or a missing row on update returns false; anything else throws.
/// </para>
/// </remarks>
internal sealed partial class ZooKeeperMembershipTable : IMembershipTable
{
    // Reads retry, with a growing random pause, while writes move the table version under them; after this many
    // they throw (Orleans reads again later) rather than return a mixed view.
    private const int ConsistentReadAttempts = 30;
    private const string AliveNode = "alive";

    private readonly SharedZooKeeperClient _zooKeeper;
    private readonly ILogger _logger;
    private readonly string _rootPath;

    public ZooKeeperMembershipTable(
        SharedZooKeeperClient zooKeeper,
        IOptions<ZooKeeperClusteringOptions> options,
        IOptions<ClusterOptions> clusterOptions,
        ILogger<ZooKeeperMembershipTable> logger)
    {
        _zooKeeper = zooKeeper;
        _logger = logger;
        _rootPath = options.Value.RootPath;
        ClusterId = clusterOptions.Value.ClusterId;
        ClusterZnodes znodes = ClusterZnodes.For(ClusterId, _rootPath);
        ClusterPath = znodes.Root;
        MembershipPath = znodes.Membership;
    }

    public string ClusterId { get; }

    public string ClusterPath { get; }

    public string MembershipPath { get; }

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        ZooKeeperClient zk = await _zooKeeper.GetAsync();
        await zk.EnsurePathAsync(ClusterPath);

        // Clients (tryInitTableVersion false) create it too: an empty table is a table at version 0 either way.
        await zk.CreateIfMissingAsync(MembershipPath, MembershipRowSerializer.SerializeTableVersion(0));
    }

    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        ZooKeeperClient zk = await _zooKeeper.GetAsync();
        await zk.DeleteRecursiveAsync(ClusterZnodes.For(clusterId, _rootPath).Root);
    }

    public async Task<MembershipTableData> ReadAll()
    {
        ZooKeeperClient zk = await _zooKeeper.GetAsync();
        for (int attempt = 1; ; attempt++)
        {
            (TableVersion version, int znodeVersion) = await ReadTableVersionAsync(zk);
            NodeChildren children = await zk.GetChildrenAsync(MembershipPath);
            (MembershipEntry Entry, string ETag)?[] rows = await Task.WhenAll(children.Children.Select(name => ReadRowAsync(zk, name)));

            // Every row change moves the table version: if it has not moved, the rows are one consistent view.
            if (children.Stat.Version == znodeVersion && (await zk.ExistsAsync(MembershipPath))?.Version == znodeVersion)
            {
                return new MembershipTableData(
                    [.. rows.Where(r => r is not null).Select(r => Tuple.Create(r!.Value.Entry, r.Value.ETag))],
                    version);
            }

            if (attempt >= ConsistentReadAttempts)
            {
                throw new InvalidOperationException($"The membership table at {MembershipPath} kept changing during {attempt} reads.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, Math.Min(10 * attempt, 100))));
        }
    }

    public async Task<MembershipTableData> ReadRow(SiloAddress key)
    {
        ZooKeeperClient zk = await _zooKeeper.GetAsync();
        for (int attempt = 1; ; attempt++)
        {
            (TableVersion version, int znodeVersion) = await ReadTableVersionAsync(zk);
            (MembershipEntry Entry, string ETag)? row = await ReadRowAsync(zk, RowName(key));
            if ((await zk.ExistsAsync(MembershipPath))?.Version == znodeVersion)
            {
                return row is { } found
                    ? new MembershipTableData(Tuple.Create(found.Entry, found.ETag), version)
                    : new MembershipTableData(version);
            }

            if (attempt >= ConsistentReadAttempts)
            {
                throw new InvalidOperationException($"The membership table at {MembershipPath} kept changing during {attempt} reads.");
            }
        }
    }

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        ZooKeeperClient zk = await _zooKeeper.GetAsync();
        string row = RowPath(entry.SiloAddress);
        return await TryTransactionAsync(zk, entry.SiloAddress, "insert",
        [
            Op.SetData(MembershipPath, MembershipRowSerializer.SerializeTableVersion(tableVersion.Version), ParseETag(tableVersion.VersionEtag)),
            Op.Create(row, MembershipRowSerializer.Serialize(entry)),
            Op.Create(ZooKeeperPath.Combine(row, AliveNode), MembershipRowSerializer.SerializeIAmAlive(entry.IAmAliveTime)),
        ]);
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        ZooKeeperClient zk = await _zooKeeper.GetAsync();
        string row = RowPath(entry.SiloAddress);
        return await TryTransactionAsync(zk, entry.SiloAddress, "update",
        [
            Op.SetData(MembershipPath, MembershipRowSerializer.SerializeTableVersion(tableVersion.Version), ParseETag(tableVersion.VersionEtag)),
            Op.SetData(row, MembershipRowSerializer.Serialize(entry), ParseETag(etag)),
            Op.SetData(ZooKeeperPath.Combine(row, AliveNode), MembershipRowSerializer.SerializeIAmAlive(entry.IAmAliveTime)),
        ]);
    }

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        ZooKeeperClient zk = await _zooKeeper.GetAsync();
        await zk.SetDataAsync(ZooKeeperPath.Combine(RowPath(entry.SiloAddress), AliveNode), MembershipRowSerializer.SerializeIAmAlive(entry.IAmAliveTime));
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        ZooKeeperClient zk = await _zooKeeper.GetAsync();
        MembershipTableData table = await ReadAll();
        foreach ((MembershipEntry entry, string etag) in table.Members)
        {
            DateTime lastSeen = entry.IAmAliveTime > entry.StartTime ? entry.IAmAliveTime : entry.StartTime;
            foreach (Tuple<SiloAddress, DateTime> vote in entry.SuspectTimes ?? [])
            {
                lastSeen = vote.Item2 > lastSeen ? vote.Item2 : lastSeen;
            }

            if (entry.Status != SiloStatus.Dead || lastSeen >= beforeDate.UtcDateTime)
            {
                continue;
            }

            string row = RowPath(entry.SiloAddress);
            try
            {
                // The row's version check keeps a row that changed since it was read.
                await zk.MultiAsync([Op.Delete(ZooKeeperPath.Combine(row, AliveNode)), Op.Delete(row, ParseETag(etag))]);
                LogDefunctRemoved(_logger, entry.SiloAddress, row);
            }
            catch (Exception ex) when (ex is BadVersionException or NoNodeException)
            {
            }
        }
    }

    private static int ParseETag(string etag) =>
        int.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out int version)
            ? version
            : throw new ArgumentException($"'{etag}' is not an ETag of the ZooKeeper membership table (a znode version).", nameof(etag));

    private static string RowName(SiloAddress silo) => silo.ToParsableString();

    private string RowPath(SiloAddress silo) => ZooKeeperPath.Combine(MembershipPath, RowName(silo));

    private async Task<(TableVersion Version, int ZnodeVersion)> ReadTableVersionAsync(ZooKeeperClient zk)
    {
        NodeData table = await zk.GetDataAsync(MembershipPath);
        int version = MembershipRowSerializer.DeserializeTableVersion(table.Data, MembershipPath);
        return (new TableVersion(version, table.Stat.Version.ToString(CultureInfo.InvariantCulture)), table.Stat.Version);
    }

    /// <summary>A row and its ETag; null when it is gone, or unreadable (logged with its path, so one bad row cannot stop the silo).</summary>
    private async Task<(MembershipEntry Entry, string ETag)?> ReadRowAsync(ZooKeeperClient zk, string name)
    {
        string path = ZooKeeperPath.Combine(MembershipPath, name);
        Task<NodeData> rowRead = zk.GetDataAsync(path);
        Task<NodeData> aliveRead = zk.GetDataAsync(ZooKeeperPath.Combine(path, AliveNode));
        NodeData row;
        try
        {
            row = await rowRead;
        }
        catch (NoNodeException)
        {
            await Task.WhenAny(aliveRead);
            return null;
        }

        MembershipEntry entry;
        try
        {
            entry = MembershipRowSerializer.Deserialize(row.Data, path);
        }
        catch (FormatException ex)
        {
            await Task.WhenAny(aliveRead);
            LogCorruptRow(_logger, path, ex.Message);
            return null;
        }

        if (RowName(entry.SiloAddress) != name)
        {
            await Task.WhenAny(aliveRead);
            LogCorruptRow(_logger, path, $"it holds the row of {entry.SiloAddress}");
            return null;
        }

        try
        {
            if (MembershipRowSerializer.DeserializeIAmAlive((await aliveRead).Data) is { } alive)
            {
                entry.IAmAliveTime = alive;
            }
        }
        catch (NoNodeException)
        {
            // A row written without its alive node keeps the IAmAlive time it was written with.
        }

        return (entry, row.Stat.Version.ToString(CultureInfo.InvariantCulture));
    }

    private async Task<bool> TryTransactionAsync(ZooKeeperClient zk, SiloAddress silo, string what, IEnumerable<Op> ops)
    {
        try
        {
            await zk.MultiAsync(ops);
            return true;
        }
        catch (Exception ex) when (ex is BadVersionException or NodeExistsException or NoNodeException)
        {
            // A stale table version, a stale row ETag, a duplicate row on insert, a missing row on update.
            LogConflict(_logger, what, silo, ex.Message);
            return false;
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Skipping the unreadable membership row at {Path}: {Reason}")]
    private static partial void LogCorruptRow(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Membership {What} of {Silo} lost a version race: {Reason}")]
    private static partial void LogConflict(ILogger logger, string what, SiloAddress silo, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Removed the defunct membership row of {Silo} at {Path}")]
    private static partial void LogDefunctRemoved(ILogger logger, SiloAddress silo, string path);
}
