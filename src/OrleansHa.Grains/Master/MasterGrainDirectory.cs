using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.GrainDirectory;
using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Election;
using OrleansHa.ZooKeeper;
using OrleansHa.ZooKeeper.Recipes;

namespace OrleansHa.Grains.Master;

/// <summary>
/// The grain directory for <c>MasterGrain</c> only, kept in ZooKeeper at <c>master/directory/&lt;epoch&gt;</c>.
/// </summary>
/// <remarks>
/// Orleans' default directory spreads grain ids over the silos; when the partition that owns the new master's id
/// sat on the silo that just died, placing the new master waited for failure detection (about one failover in
/// three here, adding a second). The master's location is already ZooKeeper's business, so its directory entry
/// lives there too, and no silo's death is on the path to the new master.
/// </remarks>
internal sealed class MasterGrainDirectory(SharedZooKeeperClient zooKeeper, MasterLatch latch, IOptions<ElectionOptions> options) : IGrainDirectory
{
    /// <summary>The name MasterGrain's <c>[GrainDirectory]</c> attribute refers to.</summary>
    public const string Name = "orleans-ha-master";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly string _root = options.Value.Znodes.MasterDirectory;

    public async Task<GrainAddress?> Register(GrainAddress address) => await Register(address, null);

    public async Task<GrainAddress?> Register(GrainAddress address, GrainAddress? previousAddress)
    {
        // Only the holder of an epoch may say where its master lives.
        _ = latch.TenureOf(address.GrainId.GetIntegerKey());
        ZooKeeperClient zk = await zooKeeper.GetAsync();
        string path = PathOf(address.GrainId);
        byte[] entry = JsonSerializer.SerializeToUtf8Bytes(Entry.From(address), Json);
        await zk.EnsurePathAsync(_root);
        while (true)
        {
            try
            {
                await zk.CreateAsync(path, entry);
                await RemoveOlderEpochsAsync(zk, address.GrainId);
                return address;
            }
            catch (NodeExistsException)
            {
            }

            NodeData existing;
            try
            {
                existing = await zk.GetDataAsync(path);
            }
            catch (NoNodeException)
            {
                continue;
            }

            GrainAddress current = Read(address.GrainId, existing.Data);
            if (previousAddress is null || !current.Matches(previousAddress))
            {
                return current;
            }

            try
            {
                await zk.SetDataAsync(path, entry, existing.Stat.Version);
                return address;
            }
            catch (Exception ex) when (ex is BadVersionException or NoNodeException)
            {
                // Changed meanwhile: look again.
            }
        }
    }

    public async Task<GrainAddress?> Lookup(GrainId grainId)
    {
        ZooKeeperClient zk = await zooKeeper.GetAsync();
        try
        {
            return Read(grainId, (await zk.GetDataAsync(PathOf(grainId))).Data);
        }
        catch (NoNodeException)
        {
            return null;
        }
    }

    public async Task Unregister(GrainAddress address)
    {
        ZooKeeperClient zk = await zooKeeper.GetAsync();
        string path = PathOf(address.GrainId);
        try
        {
            NodeData existing = await zk.GetDataAsync(path);
            if (Read(address.GrainId, existing.Data).Matches(address))
            {
                await zk.DeleteAsync(path, existing.Stat.Version);
            }
        }
        catch (Exception ex) when (ex is NoNodeException or BadVersionException)
        {
        }
    }

    public async Task UnregisterSilos(List<SiloAddress> siloAddresses)
    {
        ZooKeeperClient zk = await zooKeeper.GetAsync();
        NodeChildren children;
        try
        {
            children = await zk.GetChildrenAsync(_root);
        }
        catch (NoNodeException)
        {
            return;
        }

        var dead = siloAddresses.Select(s => s.ToParsableString()).ToHashSet(StringComparer.Ordinal);
        foreach (string child in children.Children)
        {
            string path = _root + "/" + child;
            try
            {
                NodeData existing = await zk.GetDataAsync(path);
                if (dead.Contains(JsonSerializer.Deserialize<Entry>(existing.Data, Json)?.Silo ?? string.Empty))
                {
                    await zk.DeleteAsync(path, existing.Stat.Version);
                }
            }
            catch (Exception ex) when (ex is NoNodeException or BadVersionException or JsonException)
            {
            }
        }
    }

    private static GrainAddress Read(GrainId grainId, byte[] data)
    {
        Entry entry = JsonSerializer.Deserialize<Entry>(data, Json) ?? throw new FormatException("empty master directory entry");
        return new GrainAddress
        {
            GrainId = grainId,
            SiloAddress = SiloAddress.FromParsableString(entry.Silo),
            ActivationId = ActivationId.FromParsableString(entry.Activation),
            MembershipVersion = new MembershipVersion(entry.MembershipVersion),
        };
    }

    private string PathOf(GrainId grainId) => _root + "/" + grainId.GetIntegerKey().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Entries of earlier epochs can never be used again; the new master's registration clears them.</summary>
    private async Task RemoveOlderEpochsAsync(ZooKeeperClient zk, GrainId registered)
    {
        long epoch = registered.GetIntegerKey();
        foreach (string child in (await zk.GetChildrenAsync(_root)).Children)
        {
            if (long.TryParse(child, System.Globalization.CultureInfo.InvariantCulture, out long older) && older < epoch)
            {
                try
                {
                    await zk.DeleteAsync(_root + "/" + child);
                }
                catch (NoNodeException)
                {
                }
            }
        }
    }

    private sealed record Entry(string Silo, string Activation, long MembershipVersion)
    {
        public static Entry From(GrainAddress address) => new(
            address.SiloAddress!.ToParsableString(),
            address.ActivationId.ToParsableString(),
            address.MembershipVersion.Value);
    }
}
