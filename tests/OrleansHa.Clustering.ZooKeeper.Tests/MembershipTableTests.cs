using Orleans;
using Orleans.Runtime;
using OrleansHa.Clustering.ZooKeeper.Tests.Infrastructure;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper.Tests;

/// <summary>
/// The <see cref="IMembershipTable"/> contract, one operation at a time, against a real standalone ZooKeeper.
/// Each test has its own root path and cluster id.
/// </summary>
public sealed class MembershipTableTests(ZooKeeperServerFixture zk) : ConformanceTestBase(zk)
{
    [Fact]
    public async Task ReadAll_on_a_fresh_table_is_empty_at_version_zero()
    {
        await using var handle = await NewTableAsync();

        MembershipTableData data = await handle.Table.ReadAllAsync(Ct);

        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
        Assert.False(string.IsNullOrEmpty(data.Version.VersionEtag));
    }

    [Fact]
    public async Task Initialize_creates_the_znodes_and_is_idempotent()
    {
        TableScope scope = NewScope();
        await using var first = await OpenAsync(scope);
        MembershipEntry entry = Entries.New();
        Assert.True(await first.Table.InsertRowAsync(entry, (await first.Table.ReadAllAsync(Ct)).Version.Next(), Ct));

        // A second silo initializing the same cluster (with and without tryInitTableVersion) changes nothing.
        await using var second = await OpenAsync(scope);
        await second.Table.InitializeMembershipTableAsync(tryInitTableVersion: false, Ct);
        await first.Table.InitializeMembershipTableAsync(tryInitTableVersion: true, Ct);

        MembershipTableData data = await second.Table.ReadAllAsync(Ct);
        Assert.Equal(1, data.Version.Version);
        Entries.AssertSame(entry, Assert.Single(data.Members).Item1);

        await using ZooKeeperClient raw = await Zk.ConnectRawAsync();
        Assert.Equal($"{scope.RootPath}/{scope.ClusterId}/membership", first.Concrete.MembershipPath);
        Assert.NotNull(await raw.ExistsAsync(first.Concrete.MembershipPath));
    }

    [Fact]
    public async Task InsertRow_adds_a_readable_row_and_bumps_the_version()
    {
        await using var handle = await NewTableAsync();
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);
        MembershipEntry entry = Entries.New();

        Assert.True(await handle.Table.InsertRowAsync(entry, before.Version.Next(), Ct));

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(1, after.Version.Version);
        Assert.False(string.IsNullOrEmpty(after.Version.VersionEtag));
        Assert.NotEqual(before.Version.VersionEtag, after.Version.VersionEtag);
        var (stored, etag) = Assert.Single(after.Members);
        Assert.False(string.IsNullOrEmpty(etag));
        Entries.AssertSame(entry, stored);
    }

    [Fact]
    public async Task InsertRow_of_an_existing_silo_returns_false_and_changes_nothing()
    {
        await using var handle = await NewTableAsync();
        MembershipEntry entry = Entries.New();
        Assert.True(await handle.Table.InsertRowAsync(entry, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);

        // Up-to-date table version, same silo: the row exists, so the insert must fail.
        MembershipEntry again = Entries.Copy(entry);
        again.Status = SiloStatus.Active;
        Assert.False(await handle.Table.InsertRowAsync(again, before.Version.Next(), Ct));

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(before.Version, after.Version);
        var (stored, etag) = Assert.Single(after.Members);
        Assert.Equal(Entries.Row(before, entry.SiloAddress).Item2, etag);
        Entries.AssertSame(entry, stored);
    }

    [Fact]
    public async Task InsertRow_with_a_stale_table_version_returns_false_and_changes_nothing()
    {
        await using var handle = await NewTableAsync();
        TableVersion stale = (await handle.Table.ReadAllAsync(Ct)).Version.Next();
        MembershipEntry first = Entries.New();
        Assert.True(await handle.Table.InsertRowAsync(first, stale, Ct));
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);

        // Same (now stale) etag: a new silo and the same silo both fail.
        MembershipEntry second = Entries.New();
        Assert.False(await handle.Table.InsertRowAsync(second, stale, Ct));
        Assert.False(await handle.Table.InsertRowAsync(Entries.Copy(first), stale, Ct));
        // Stale etag even with the right version number.
        Assert.False(await handle.Table.InsertRowAsync(second, new TableVersion(before.Version.Version + 1, stale.VersionEtag), Ct));

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(before.Version, after.Version);
        Assert.Single(after.Members);
        Assert.Null(after.TryGet(second.SiloAddress));
        Assert.Empty((await handle.Table.ReadRowAsync(second.SiloAddress, Ct)).Members);
    }

    [Fact]
    public async Task UpdateRow_with_the_current_etag_and_table_version_succeeds()
    {
        await using var handle = await NewTableAsync();
        MembershipEntry entry = Entries.New();
        Assert.True(await handle.Table.InsertRowAsync(entry, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        MembershipTableData read = await handle.Table.ReadAllAsync(Ct);
        string etag = Entries.Row(read, entry.SiloAddress).Item2;

        MembershipEntry changed = Entries.Copy(entry);
        changed.Status = SiloStatus.Active;
        changed.SuspectTimes = [Tuple.Create(Entries.NewSiloAddress(), Entries.UtcNowSeconds())];
        Assert.True(await handle.Table.UpdateRowAsync(changed, etag, read.Version.Next(), Ct));

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(2, after.Version.Version);
        Assert.NotEqual(read.Version.VersionEtag, after.Version.VersionEtag);
        var (stored, newEtag) = Assert.Single(after.Members);
        Assert.False(string.IsNullOrEmpty(newEtag));
        Assert.NotEqual(etag, newEtag);
        Entries.AssertSame(changed, stored);

        // And again from the new read: a chain of updates keeps working.
        changed.Status = SiloStatus.ShuttingDown;
        Assert.True(await handle.Table.UpdateRowAsync(changed, newEtag, after.Version.Next(), Ct));
        Assert.Equal(3, (await handle.Table.ReadAllAsync(Ct)).Version.Version);
    }

    [Fact]
    public async Task UpdateRow_with_a_stale_row_etag_returns_false_and_changes_nothing()
    {
        await using var handle = await NewTableAsync();
        MembershipEntry entry = Entries.New();
        Assert.True(await handle.Table.InsertRowAsync(entry, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        MembershipTableData first = await handle.Table.ReadAllAsync(Ct);
        string staleEtag = Entries.Row(first, entry.SiloAddress).Item2;
        MembershipEntry active = Entries.Copy(entry);
        active.Status = SiloStatus.Active;
        Assert.True(await handle.Table.UpdateRowAsync(active, staleEtag, first.Version.Next(), Ct));
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);

        // Current table version, but the row's etag from before the last update.
        MembershipEntry dead = Entries.Copy(entry);
        dead.Status = SiloStatus.Dead;
        Assert.False(await handle.Table.UpdateRowAsync(dead, staleEtag, before.Version.Next(), Ct));
        // An etag that was never issued.
        Assert.False(await handle.Table.UpdateRowAsync(dead, "12345", before.Version.Next(), Ct));

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(before.Version, after.Version);
        var (stored, etag) = Assert.Single(after.Members);
        Assert.Equal(Entries.Row(before, entry.SiloAddress).Item2, etag);
        Entries.AssertSame(active, stored);
    }

    [Fact]
    public async Task UpdateRow_with_a_stale_table_version_returns_false_and_changes_nothing()
    {
        await using var handle = await NewTableAsync();
        MembershipEntry entry = Entries.New();
        TableVersion stale = (await handle.Table.ReadAllAsync(Ct)).Version.Next();
        Assert.True(await handle.Table.InsertRowAsync(entry, stale, Ct));
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);
        string etag = Entries.Row(before, entry.SiloAddress).Item2;

        MembershipEntry changed = Entries.Copy(entry);
        changed.Status = SiloStatus.Active;
        // Right row etag, but the table version used for the insert (its etag is no longer current).
        Assert.False(await handle.Table.UpdateRowAsync(changed, etag, stale, Ct));

        // Another silo's insert moves the table version on: the first read's table version is now stale too.
        Assert.True(await handle.Table.InsertRowAsync(Entries.New(), before.Version.Next(), Ct));
        MembershipTableData middle = await handle.Table.ReadAllAsync(Ct);
        Assert.False(await handle.Table.UpdateRowAsync(changed, etag, before.Version.Next(), Ct));

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(middle.Version, after.Version);
        var (stored, storedEtag) = Entries.Row(after, entry.SiloAddress);
        Assert.Equal(etag, storedEtag);
        Entries.AssertSame(entry, stored);
    }

    [Fact]
    public async Task UpdateRow_of_a_missing_row_returns_false_and_changes_nothing()
    {
        await using var handle = await NewTableAsync();
        MembershipEntry present = Entries.New();
        Assert.True(await handle.Table.InsertRowAsync(present, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);
        string presentEtag = Entries.Row(before, present.SiloAddress).Item2;

        MembershipEntry missing = Entries.New();
        Assert.False(await handle.Table.UpdateRowAsync(missing, presentEtag, before.Version.Next(), Ct));
        Assert.False(await handle.Table.UpdateRowAsync(missing, "0", before.Version.Next(), Ct));

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(before.Version, after.Version);
        Assert.Single(after.Members);
        Assert.Null(after.TryGet(missing.SiloAddress));
    }

    [Fact]
    public async Task Etags_are_compared_never_wildcarded()
    {
        // ZooKeeper reads version -1 as "any version": an etag must never be passed through as one.
        await using var handle = await NewTableAsync();
        MembershipEntry entry = Entries.New();
        Assert.True(await handle.Table.InsertRowAsync(entry, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);
        MembershipEntry changed = Entries.Copy(entry);
        changed.Status = SiloStatus.Dead;

        Assert.False(await SucceedsAsync(() => handle.Table.UpdateRowAsync(changed, "-1", before.Version.Next(), Ct)));
        Assert.False(await SucceedsAsync(() => handle.Table.UpdateRowAsync(changed, Entries.Row(before, entry.SiloAddress).Item2, new TableVersion(before.Version.Version + 1, "-1"), Ct)));
        Assert.False(await SucceedsAsync(() => handle.Table.InsertRowAsync(Entries.New(), new TableVersion(before.Version.Version + 1, "-1"), Ct)));

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(before.Version, after.Version);
        Entries.AssertSame(entry, Assert.Single(after.Members).Item1);
    }

    [Fact]
    public async Task UpdateIAmAlive_changes_IAmAliveTime_but_not_the_table_version_nor_the_row_etag()
    {
        await using var handle = await NewTableAsync();
        MembershipEntry entry = Entries.New(SiloStatus.Active);
        Assert.True(await handle.Table.InsertRowAsync(entry, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);
        string etag = Entries.Row(before, entry.SiloAddress).Item2;

        // What the membership agent passes: only the address and the new time.
        DateTime alive = Entries.UtcNowSeconds().AddSeconds(5);
        await handle.Table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = alive }, Ct);

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        var (stored, etagAfter) = Entries.Row(after, entry.SiloAddress);
        Assert.True((Entries.ToUtc(stored.IAmAliveTime) - alive).Duration() < TimeSpan.FromSeconds(1), $"IAmAliveTime {stored.IAmAliveTime:O}, expected {alive:O}");
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(etag, etagAfter);
        Assert.Equal(entry.Status, stored.Status);
        Assert.Equal(entry.ProxyPort, stored.ProxyPort);
        Entries.AssertSameInstant(entry.StartTime, stored.StartTime);

        // ReadRow sees the same.
        var (single, singleEtag) = Assert.Single((await handle.Table.ReadRowAsync(entry.SiloAddress, Ct)).Members);
        Assert.Equal(etag, singleEtag);
        Assert.True((Entries.ToUtc(single.IAmAliveTime) - alive).Duration() < TimeSpan.FromSeconds(1));

        // A second heartbeat moves it again, still without touching the versions.
        DateTime later = alive.AddSeconds(7);
        await handle.Table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = later }, Ct);
        MembershipTableData last = await handle.Table.ReadAllAsync(Ct);
        Assert.True((Entries.ToUtc(Entries.Row(last, entry.SiloAddress).Item1.IAmAliveTime) - later).Duration() < TimeSpan.FromSeconds(1));
        Assert.Equal(before.Version, last.Version);
        Assert.Equal(etag, Entries.Row(last, entry.SiloAddress).Item2);

        // Heartbeats leave the earlier read usable for UpdateRow (IMembershipTable.UpdateIAmAlive remarks).
        MembershipEntry dead = Entries.Copy(entry);
        dead.Status = SiloStatus.Dead;
        Assert.True(await handle.Table.UpdateRowAsync(dead, etag, before.Version.Next(), Ct));
        Assert.Equal(SiloStatus.Dead, Entries.Row(await handle.Table.ReadAllAsync(Ct), entry.SiloAddress).Item1.Status);
    }

    [Fact]
    public async Task ReadRow_returns_the_row_with_the_table_version_or_no_row_for_a_missing_silo()
    {
        await using var handle = await NewTableAsync();
        MembershipEntry entry = Entries.New();
        MembershipEntry other = Entries.New();
        Assert.True(await handle.Table.InsertRowAsync(entry, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        Assert.True(await handle.Table.InsertRowAsync(other, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        MembershipTableData all = await handle.Table.ReadAllAsync(Ct);

        MembershipTableData row = await handle.Table.ReadRowAsync(entry.SiloAddress, Ct);
        Assert.Equal(all.Version, row.Version);
        var (stored, etag) = Assert.Single(row.Members);
        Assert.Equal(Entries.Row(all, entry.SiloAddress).Item2, etag);
        Entries.AssertSame(entry, stored);

        MembershipTableData missing = await handle.Table.ReadRowAsync(Entries.NewSiloAddress(), Ct);
        Assert.Empty(missing.Members);
        Assert.Equal(all.Version, missing.Version);

        // Same endpoint, other generation: a different silo.
        SiloAddress sameEndpoint = SiloAddress.New(entry.SiloAddress.Endpoint, entry.SiloAddress.Generation + 1);
        Assert.Empty((await handle.Table.ReadRowAsync(sameEndpoint, Ct)).Members);
    }

    [Fact]
    public async Task Every_field_round_trips()
    {
        await using var handle = await NewTableAsync();
        DateTime now = Entries.UtcNowSeconds();
        MembershipEntry entry = Entries.New(SiloStatus.Active, proxyPort: 30_123);
        entry.HostName = "host.example-01";
        entry.SiloName = "Silo_\"quoted\"/ünïcødé";
        entry.RoleName = "QueryRole";
        entry.UpdateZone = 7;
        entry.FaultZone = 3;
        entry.StartTime = now.AddMinutes(-5);
        entry.IAmAliveTime = now.AddSeconds(-1);
        entry.SuspectTimes =
        [
            Tuple.Create(Entries.NewSiloAddress(), now.AddSeconds(-30)),
            Tuple.Create(Entries.NewSiloAddress(), now.AddSeconds(-10)),
        ];

        Assert.True(await handle.Table.InsertRowAsync(entry, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));

        Entries.AssertSame(entry, Assert.Single((await handle.Table.ReadAllAsync(Ct)).Members).Item1);
        Entries.AssertSame(entry, Assert.Single((await handle.Table.ReadRowAsync(entry.SiloAddress, Ct)).Members).Item1);

        // Through UpdateRow as well, including an emptied suspect list and a zero proxy port.
        MembershipTableData read = await handle.Table.ReadAllAsync(Ct);
        MembershipEntry changed = Entries.Copy(entry);
        changed.Status = SiloStatus.Stopping;
        changed.ProxyPort = 0;
        changed.RoleName = string.Empty;
        changed.SuspectTimes = [];
        Assert.True(await handle.Table.UpdateRowAsync(changed, Entries.Row(read, entry.SiloAddress).Item2, read.Version.Next(), Ct));
        Entries.AssertSame(changed, Assert.Single((await handle.Table.ReadAllAsync(Ct)).Members).Item1);
    }

    [Fact]
    public async Task Millisecond_times_round_trip_within_a_millisecond()
    {
        await using var handle = await NewTableAsync();
        DateTime precise = new(2030, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        MembershipEntry entry = Entries.New();
        entry.StartTime = precise;
        entry.IAmAliveTime = precise.AddMilliseconds(1);
        entry.SuspectTimes = [Tuple.Create(Entries.NewSiloAddress(), precise.AddMilliseconds(2))];

        Assert.True(await handle.Table.InsertRowAsync(entry, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));

        MembershipEntry stored = Assert.Single((await handle.Table.ReadAllAsync(Ct)).Members).Item1;
        Assert.True((Entries.ToUtc(stored.StartTime) - precise).Duration() < TimeSpan.FromMilliseconds(1));
        Assert.True((Entries.ToUtc(stored.IAmAliveTime) - precise.AddMilliseconds(1)).Duration() < TimeSpan.FromMilliseconds(1));
        Assert.True((Entries.ToUtc(Assert.Single(stored.SuspectTimes!).Item2) - precise.AddMilliseconds(2)).Duration() < TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_removes_old_dead_rows_and_keeps_active_and_recent_dead_rows()
    {
        await using var handle = await NewTableAsync();
        DateTime now = Entries.UtcNowSeconds();

        MembershipEntry oldDead = Old(Entries.New(SiloStatus.Dead), now, days: 10);
        MembershipEntry oldDead2 = Old(Entries.New(SiloStatus.Dead), now, days: 4);
        MembershipEntry oldActive = Old(Entries.New(SiloStatus.Active), now, days: 10);
        MembershipEntry recentDead = Entries.New(SiloStatus.Dead);
        MembershipEntry recentActive = Entries.New(SiloStatus.Active);
        var removed = new[] { oldDead, oldDead2 };
        var kept = new[] { oldActive, recentDead, recentActive };
        await InsertAllAsync(handle, [.. removed, .. kept]);
        MembershipTableData before = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(5, before.Members.Count);

        await handle.Table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(now.AddDays(-3)), Ct);

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.All(removed, e => Assert.Null(after.TryGet(e.SiloAddress)));
        Assert.All(kept, e => Entries.AssertSame(e, Entries.Row(after, e.SiloAddress).Item1));
        Assert.Equal(kept.Length, after.Members.Count);
        AssertVersionNotRolledBack(before.Version, after.Version);

        // What remains is still usable: rows keep their etags and the table still takes updates.
        foreach (var (e, etag) in after.Members)
        {
            Assert.Equal(Entries.Row(before, e.SiloAddress).Item2, etag);
        }

        MembershipEntry declared = Entries.Copy(recentActive);
        declared.Status = SiloStatus.Dead;
        Assert.True(await handle.Table.UpdateRowAsync(declared, Entries.Row(after, recentActive.SiloAddress).Item2, after.Version.Next(), Ct));

        // Running it again removes nothing more.
        MembershipTableData beforeRepeat = await handle.Table.ReadAllAsync(Ct);
        await handle.Table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(now.AddDays(-3)), Ct);
        MembershipTableData repeated = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(beforeRepeat.Members.Count, repeated.Members.Count);
        AssertVersionNotRolledBack(beforeRepeat.Version, repeated.Version);
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_keeps_old_rows_of_every_status_but_dead()
    {
        // IMembershipTable.CleanupDefunctSiloEntries (Orleans 10): "Removes dead silo entries whose last known
        // update precedes beforeDate"; Orleans' own conformance suite keeps every non-Dead status.
        await using var handle = await NewTableAsync();
        DateTime now = Entries.UtcNowSeconds();
        MembershipEntry[] old = [.. Enum.GetValues<SiloStatus>().Where(s => s != SiloStatus.None).Select(s => Old(Entries.New(s), now, days: 10))];
        await InsertAllAsync(handle, old);

        await handle.Table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(now.AddDays(-3)), Ct);

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(
            old.Where(e => e.Status != SiloStatus.Dead).Select(e => e.Status).Order().ToArray(),
            after.Members.Select(m => m.Item1.Status).Order().ToArray());
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_keeps_a_dead_row_whose_death_was_declared_recently()
    {
        // MembershipEntry.EffectiveUpdateTime: the later of the heartbeat and the latest suspect vote. A silo that
        // stopped heartbeating long ago but was declared dead just now is recent, not defunct.
        await using var handle = await NewTableAsync();
        DateTime now = Entries.UtcNowSeconds();
        MembershipEntry declaredNow = Old(Entries.New(SiloStatus.Dead), now, days: 10);
        declaredNow.SuspectTimes = [Tuple.Create(Entries.NewSiloAddress(), now)];
        MembershipEntry declaredLongAgo = Old(Entries.New(SiloStatus.Dead), now, days: 10);
        declaredLongAgo.SuspectTimes = [Tuple.Create(Entries.NewSiloAddress(), now.AddDays(-9))];
        await InsertAllAsync(handle, [declaredNow, declaredLongAgo]);

        await handle.Table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(now.AddDays(-3)), Ct);

        MembershipTableData after = await handle.Table.ReadAllAsync(Ct);
        Assert.NotNull(after.TryGet(declaredNow.SiloAddress));
        Assert.Null(after.TryGet(declaredLongAgo.SiloAddress));
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_judges_a_row_by_the_IAmAliveTime_that_ReadAll_reports()
    {
        // The heartbeat lives apart from the row (.../alive). A dead row whose row JSON says -10 days but whose last
        // heartbeat is recent is reported by ReadAll as recent; cleanup must not treat it as defunct.
        await using var handle = await NewTableAsync();
        DateTime now = Entries.UtcNowSeconds();
        MembershipEntry entry = Old(Entries.New(SiloStatus.Dead), now, days: 10);
        await InsertAllAsync(handle, [entry]);
        await handle.Table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = now }, Ct);
        Assert.True(Entries.Row(await handle.Table.ReadAllAsync(Ct), entry.SiloAddress).Item1.IAmAliveTime > now.AddDays(-3));

        await handle.Table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(now.AddDays(-3)), Ct);

        Assert.NotNull((await handle.Table.ReadAllAsync(Ct)).TryGet(entry.SiloAddress));
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_removes_everything_of_that_cluster_only()
    {
        TableScope scope = NewScope();
        await using var handle = await OpenAsync(scope);
        string otherClusterId = "other-" + Guid.NewGuid().ToString("N");
        await using var other = await OpenAsync(scope, otherClusterId);

        for (int i = 0; i < 3; i++)
        {
            MembershipEntry e = Entries.New(SiloStatus.Active);
            Assert.True(await handle.Table.InsertRowAsync(e, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
            await handle.Table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = e.SiloAddress, IAmAliveTime = DateTime.UtcNow }, Ct);
        }

        MembershipEntry survivor = Entries.New(SiloStatus.Active);
        Assert.True(await other.Table.InsertRowAsync(survivor, (await other.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        survivor.IAmAliveTime = survivor.IAmAliveTime.AddSeconds(1);
        await other.Table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = survivor.SiloAddress, IAmAliveTime = survivor.IAmAliveTime }, Ct);

        await handle.Table.DeleteMembershipTableEntriesAsync(scope.ClusterId, Ct);

        await using ZooKeeperClient raw = await Zk.ConnectRawAsync();
        Assert.Null(await raw.ExistsAsync(handle.Concrete.MembershipPath));
        Assert.Null(await raw.ExistsAsync($"{scope.RootPath}/{scope.ClusterId}"));

        // The other cluster under the same root is untouched.
        MembershipTableData otherData = await other.Table.ReadAllAsync(Ct);
        Assert.Equal(1, otherData.Version.Version);
        Entries.AssertSame(survivor, Assert.Single(otherData.Members).Item1);

        // Deleting again is harmless, and a silo initializing afterwards starts from an empty table.
        await handle.Table.DeleteMembershipTableEntriesAsync(scope.ClusterId, Ct);
        await handle.Table.InitializeMembershipTableAsync(tryInitTableVersion: true, Ct);
        MembershipTableData fresh = await handle.Table.ReadAllAsync(Ct);
        Assert.Empty(fresh.Members);
        Assert.Equal(0, fresh.Version.Version);
    }

    [Fact]
    public async Task Version_counts_the_successful_writes_and_every_row_comes_with_its_etag()
    {
        await using var handle = await NewTableAsync();
        var successes = 0;
        var silos = new List<SiloAddress>();

        for (int i = 0; i < 6; i++)
        {
            MembershipEntry e = Entries.New();
            MembershipTableData read = await handle.Table.ReadAllAsync(Ct);
            Assert.True(await handle.Table.InsertRowAsync(e, read.Version.Next(), Ct));
            successes++;
            silos.Add(e.SiloAddress);
            // A failing write in between must not count.
            Assert.False(await handle.Table.InsertRowAsync(Entries.New(), read.Version.Next(), Ct));
        }

        foreach (SiloAddress silo in silos)
        {
            MembershipTableData read = await handle.Table.ReadAllAsync(Ct);
            var (e, etag) = Entries.Row(read, silo);
            MembershipEntry changed = Entries.Copy(e);
            changed.Status = SiloStatus.Active;
            Assert.True(await handle.Table.UpdateRowAsync(changed, etag, read.Version.Next(), Ct));
            successes++;
            Assert.False(await handle.Table.UpdateRowAsync(changed, etag, read.Version.Next(), Ct));
        }

        MembershipTableData all = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(successes, all.Version.Version);
        Assert.Equal(silos.Count, all.Members.Count);
        foreach (var (e, etag) in all.Members)
        {
            Assert.False(string.IsNullOrEmpty(etag));
            Assert.Equal(SiloStatus.Active, e.Status);
            // ReadRow agrees with ReadAll on both the row's etag and the table version.
            MembershipTableData row = await handle.Table.ReadRowAsync(e.SiloAddress, Ct);
            Assert.Equal(all.Version, row.Version);
            Assert.Equal(etag, Assert.Single(row.Members).Item2);
        }

        Assert.Equal(silos.Order().ToArray(), all.Members.Select(m => m.Item1.SiloAddress).Order().ToArray());
    }

    private static MembershipEntry Old(MembershipEntry e, DateTime now, int days)
    {
        e.StartTime = now.AddDays(-days);
        e.IAmAliveTime = now.AddDays(-days);
        return e;
    }

    private async Task InsertAllAsync(MembershipTableHandle handle, IEnumerable<MembershipEntry> entries)
    {
        foreach (MembershipEntry e in entries)
        {
            Assert.True(await handle.Table.InsertRowAsync(e, (await handle.Table.ReadAllAsync(Ct)).Version.Next(), Ct), $"insert of {e.SiloAddress}");
        }
    }

    /// <summary>Cleanup may bump the table version or leave it; it never goes back, and an unchanged number keeps its etag.</summary>
    private static void AssertVersionNotRolledBack(TableVersion before, TableVersion after)
    {
        Assert.True(after.Version >= before.Version, $"table version went from {before} to {after}");
        if (after.Version == before.Version)
        {
            Assert.Equal(before.VersionEtag, after.VersionEtag);
        }
    }

    /// <summary>True if the write went through; false if it returned false or threw (either is a refusal).</summary>
    private static async Task<bool> SucceedsAsync(Func<Task<bool>> write)
    {
        try
        {
            return await write();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or ZooKeeperException)
        {
            return false;
        }
    }
}
