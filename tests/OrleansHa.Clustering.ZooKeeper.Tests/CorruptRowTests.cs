using System.Text;
using Orleans;
using Orleans.Messaging;
using Orleans.Runtime;
using OrleansHa.Clustering.ZooKeeper.Tests.Infrastructure;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper.Tests;

/// <summary>
/// A row znode that does not hold a membership row (hand edits, a bug, a newer format) must not stop the silo:
/// the membership agent reads the table in a loop, so a ReadAll that throws would throw forever. The bad row is
/// skipped and everything else is returned.
/// </summary>
public sealed class CorruptRowTests(ZooKeeperServerFixture zk) : ConformanceTestBase(zk)
{
    /// <summary>Payloads written raw into a row znode; the key names the case.</summary>
    public static TheoryData<string> Payloads { get; } =
    [
        "garbage",
        "empty",
        "truncated",
        "json-null",
        "json-array",
        "json-number",
        "empty-object",
        "invalid-utf8",
        "wrong-type",
        "unparsable-silo",
        "silo-port-overflow",
        "silo-generation-overflow",
        "unknown-status",
        "suspect-null",
        "suspect-without-silo",
        "suspect-unparsable-silo",
        "bad-date",
    ];

    private static byte[] Payload(string name) => name switch
    {
        "garbage" => Encoding.UTF8.GetBytes("this is {not} json"),
        "empty" => [],
        "truncated" => Encoding.UTF8.GetBytes("{\"siloAddress\":\"127.0.0.1:11111@1\",\"status\":"),
        "json-null" => Encoding.UTF8.GetBytes("null"),
        "json-array" => Encoding.UTF8.GetBytes("[1,2,3]"),
        "json-number" => Encoding.UTF8.GetBytes("42"),
        "empty-object" => Encoding.UTF8.GetBytes("{}"),
        "invalid-utf8" => [0xFF, 0xFE, 0x00, 0x7B, 0xC3],
        "wrong-type" => Encoding.UTF8.GetBytes("{\"siloAddress\":17,\"status\":\"x\"}"),
        "unparsable-silo" => Encoding.UTF8.GetBytes("{\"siloAddress\":\"not a silo address\"}"),
        "silo-port-overflow" => Encoding.UTF8.GetBytes("{\"siloAddress\":\"127.0.0.1:99999999999@1\"}"),
        "silo-generation-overflow" => Encoding.UTF8.GetBytes("{\"siloAddress\":\"127.0.0.1:11111@99999999999\"}"),
        "unknown-status" => Encoding.UTF8.GetBytes("{\"siloAddress\":\"127.0.0.1:11111@1\",\"status\":\"Zombie\"}"),
        "suspect-null" => Encoding.UTF8.GetBytes("{\"siloAddress\":\"127.0.0.1:11111@1\",\"suspectTimes\":[null]}"),
        "suspect-without-silo" => Encoding.UTF8.GetBytes("{\"siloAddress\":\"127.0.0.1:11111@1\",\"suspectTimes\":[{\"time\":\"2020-01-01T00:00:00Z\"}]}"),
        "suspect-unparsable-silo" => Encoding.UTF8.GetBytes("{\"siloAddress\":\"127.0.0.1:11111@1\",\"suspectTimes\":[{\"silo\":\"x\",\"time\":\"2020-01-01T00:00:00Z\"}]}"),
        "bad-date" => Encoding.UTF8.GetBytes("{\"siloAddress\":\"127.0.0.1:11111@1\",\"startTime\":\"yesterday\"}"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Fact]
    public async Task A_row_overwritten_with_garbage_is_skipped_and_the_rest_is_returned()
    {
        await using var handle = await NewTableAsync();
        MembershipEntry good1 = Entries.New(SiloStatus.Active, proxyPort: 33_001);
        MembershipEntry good2 = Entries.New(SiloStatus.Active, proxyPort: 33_002);
        await InsertAsync(handle, good1);
        await InsertAsync(handle, good2);
        MembershipEntry victim = Entries.New(SiloStatus.Active, proxyPort: 33_003);
        string victimPath = await InsertAndFindRowPathAsync(handle, victim);
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);

        await using (ZooKeeperClient raw = await Zk.ConnectRawAsync())
        {
            await raw.SetDataAsync(victimPath, Encoding.UTF8.GetBytes("{\"siloAddress\": oops"), cancellationToken: Ct);
        }

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(2, after.Members.Count);
        Entries.AssertSame(good1, Entries.Row(after, good1.SiloAddress).Item1);
        Entries.AssertSame(good2, Entries.Row(after, good2.SiloAddress).Item1);
        Assert.Empty((await handle.Table.ReadRowAsync(victim.SiloAddress, Ct)).Members);

        // The table keeps working around it: reads, writes, gateways, cleanup.
        MembershipEntry newcomer = Entries.New();
        await InsertAsync(handle, newcomer);
        Assert.Equal(3, (await handle.Table.ReadAllAsync(Ct)).Members.Count);
        IGatewayListProvider gateways = await handle.CreateGatewayListProviderAsync(Ct);
        Assert.Equal(2, (await gateways.GetGatewaysAsync(Ct)).Count);
        await handle.Table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(1), Ct);
        Assert.Equal(3, (await handle.Table.ReadAllAsync(Ct)).Members.Count);
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task A_stray_row_holding_a_bad_payload_is_skipped(string payload)
    {
        await using var handle = await NewTableAsync();
        MembershipEntry good = Entries.New(SiloStatus.Active);
        await InsertAsync(handle, good);
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);

        await using (ZooKeeperClient raw = await Zk.ConnectRawAsync())
        {
            // Named like a row; no alive child, as a hand-made node would be.
            await raw.CreateAsync(handle.Concrete.MembershipPath + "/127.0.0.1:11111@1", Payload(payload), cancellationToken: Ct);
        }

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(before.Version, after.Version);
        Entries.AssertSame(good, Assert.Single(after.Members).Item1);
        await InsertAsync(handle, Entries.New());
    }

    [Fact]
    public async Task A_garbage_heartbeat_falls_back_to_the_rows_own_IAmAliveTime()
    {
        await using var handle = await NewTableAsync();
        MembershipEntry entry = Entries.New(SiloStatus.Active);
        string rowPath = await InsertAndFindRowPathAsync(handle, entry);
        await using (ZooKeeperClient raw = await Zk.ConnectRawAsync())
        {
            NodeChildren children = await raw.GetChildrenAsync(rowPath, cancellationToken: Ct);
            foreach (string child in children.Children)
            {
                await raw.SetDataAsync(rowPath + "/" + child, Encoding.UTF8.GetBytes("not a time"), cancellationToken: Ct);
            }
        }

        MembershipEntry stored = Assert.Single((await handle.Table.ReadAllAsync(Ct)).Members).Item1;
        Entries.AssertSame(entry, stored);
    }

    [Fact]
    public async Task A_copy_of_a_row_under_another_name_is_not_returned_twice()
    {
        // Orleans builds its snapshot with ImmutableDictionary.Builder.Add keyed by silo address: a ReadAll that
        // returns one silo twice makes every membership refresh of every silo throw.
        await using var handle = await NewTableAsync();
        MembershipEntry entry = Entries.New(SiloStatus.Active);
        string rowPath = await InsertAndFindRowPathAsync(handle, entry);
        await using (ZooKeeperClient raw = await Zk.ConnectRawAsync())
        {
            NodeData row = await raw.GetDataAsync(rowPath, cancellationToken: Ct);
            await raw.CreateAsync(handle.Concrete.MembershipPath + "/copy-of-a-row", row.Data, cancellationToken: Ct);
        }

        MembershipTableData data = await handle.Table.ReadAllAsync(Ct);
        var (stored, etag) = Assert.Single(data.Members);
        Entries.AssertSame(entry, stored);

        // And the row returned is the real one: its etag works.
        MembershipEntry dead = Entries.Copy(entry);
        dead.Status = SiloStatus.Dead;
        Assert.True(await handle.Table.UpdateRowAsync(dead, etag, data.Version.Next(), Ct));
        Assert.Equal(SiloStatus.Dead, Assert.Single((await handle.Table.ReadAllAsync(Ct)).Members).Item1.Status);
    }

    private async Task InsertAsync(MembershipTableHandle handle, MembershipEntry entry) =>
        Assert.True(await handle.Table.InsertRowAsync(entry, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));

    /// <summary>Inserts <paramref name="entry"/> and returns its row znode: the one child of the table that is new.</summary>
    private async Task<string> InsertAndFindRowPathAsync(MembershipTableHandle handle, MembershipEntry entry)
    {
        await using ZooKeeperClient raw = await Zk.ConnectRawAsync();
        string table = handle.Concrete.MembershipPath;
        HashSet<string> before = [.. (await raw.GetChildrenAsync(table, cancellationToken: Ct)).Children];
        await InsertAsync(handle, entry);
        string added = Assert.Single((await raw.GetChildrenAsync(table, cancellationToken: Ct)).Children, c => !before.Contains(c));
        return table + "/" + added;
    }
}
