using OrleansHa.Abstractions;
using OrleansHa.Grains.Storage;

namespace OrleansHa.Grains.Tests.Storage;

public sealed class MetadataStoreCatalogTests : IDisposable
{
    private readonly StorageDirectory _dir = new();
    private readonly MetadataStore _store;

    public MetadataStoreCatalogTests() => _store = MetadataStore.Open(_dir.Path, 1, "node-1", null);

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Spaces_are_created_listed_in_order_and_dropped()
    {
        Assert.Empty(_store.ListSpaces());

        _store.CreateSpace("sales");
        _store.CreateSpace("hr");
        _store.CreateSpace("Überblick");

        Assert.Equal(["hr", "sales", "Überblick"], _store.ListSpaces());

        _store.DropSpace("sales");
        Assert.Equal(["hr", "Überblick"], _store.ListSpaces());
    }

    [Fact]
    public void Creating_an_existing_space_is_a_conflict()
    {
        _store.CreateSpace("sales");

        var conflict = Assert.Throws<CatalogConflictException>(() => _store.CreateSpace("sales"));

        Assert.Contains("sales", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(["sales"], _store.ListSpaces());
    }

    [Fact]
    public void Dropping_a_missing_space_is_not_found()
    {
        var missing = Assert.Throws<CatalogNotFoundException>(() => _store.DropSpace("nope"));

        Assert.Contains("nope", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dropping_a_space_drops_its_entries()
    {
        _store.CreateSpace("sales");
        _store.PutEntry("sales", "q1", "100", null);
        _store.DropSpace("sales");
        _store.CreateSpace("sales");

        Assert.Empty(_store.ListEntries("sales"));
        Assert.Null(_store.GetEntry("sales", "q1"));
    }

    [Fact]
    public void Entries_get_a_version_that_each_write_bumps()
    {
        _store.CreateSpace("sales");

        Assert.Equal(1, _store.PutEntry("sales", "q1", "100", null));
        Assert.Equal(2, _store.PutEntry("sales", "q1", "110", null));
        Assert.Equal(1, _store.PutEntry("sales", "q2", "200", null));

        Assert.Equal(new CatalogEntry("sales", "q1", "110", 2), _store.GetEntry("sales", "q1"));
        Assert.Equal(
            [new CatalogEntry("sales", "q1", "110", 2), new CatalogEntry("sales", "q2", "200", 1)],
            _store.ListEntries("sales"));
    }

    [Fact]
    public void An_expected_version_makes_the_write_a_compare_and_set()
    {
        _store.CreateSpace("s");

        Assert.Equal(1, _store.PutEntry("s", "k", "a", expectedVersion: 0));
        Assert.Equal(2, _store.PutEntry("s", "k", "b", expectedVersion: 1));

        var stale = Assert.Throws<CatalogConflictException>(() => _store.PutEntry("s", "k", "c", expectedVersion: 1));
        Assert.Contains("its version is 2", stale.Message, StringComparison.Ordinal);
        var exists = Assert.Throws<CatalogConflictException>(() => _store.PutEntry("s", "k", "c", expectedVersion: 0));
        Assert.Contains("'k'", exists.Message, StringComparison.Ordinal);
        var absent = Assert.Throws<CatalogConflictException>(() => _store.PutEntry("s", "other", "c", expectedVersion: 3));
        Assert.Contains("does not exist", absent.Message, StringComparison.Ordinal);

        Assert.Equal(new CatalogEntry("s", "k", "b", 2), _store.GetEntry("s", "k"));
        Assert.Null(_store.GetEntry("s", "other"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _store.PutEntry("s", "k", "c", expectedVersion: -1));
    }

    [Fact]
    public void Entry_operations_on_a_missing_space_are_not_found()
    {
        Assert.Throws<CatalogNotFoundException>(() => _store.PutEntry("nope", "k", "v", null));
        Assert.Throws<CatalogNotFoundException>(() => _store.GetEntry("nope", "k"));
        Assert.Throws<CatalogNotFoundException>(() => _store.ListEntries("nope"));
        Assert.Throws<CatalogNotFoundException>(() => _store.DeleteEntry("nope", "k"));
    }

    [Fact]
    public void A_missing_entry_reads_as_null()
    {
        _store.CreateSpace("s");

        Assert.Null(_store.GetEntry("s", "k"));
        Assert.Empty(_store.ListEntries("s"));
    }

    [Fact]
    public void Entries_are_deleted_optionally_at_an_expected_version()
    {
        _store.CreateSpace("s");
        _store.PutEntry("s", "a", "1", null);
        _store.PutEntry("s", "b", "1", null);
        _store.PutEntry("s", "b", "2", null);

        Assert.True(_store.DeleteEntry("s", "a"));
        Assert.False(_store.DeleteEntry("s", "a"));
        Assert.False(_store.DeleteEntry("s", "a", expectedVersion: 0));
        Assert.Throws<CatalogConflictException>(() => _store.DeleteEntry("s", "b", expectedVersion: 1));
        Assert.Throws<CatalogConflictException>(() => _store.DeleteEntry("s", "a", expectedVersion: 1));
        Assert.Equal(2, _store.GetEntry("s", "b")!.Version);
        Assert.True(_store.DeleteEntry("s", "b", expectedVersion: 2));

        Assert.Empty(_store.ListEntries("s"));
        Assert.Equal(1, _store.PutEntry("s", "b", "again", expectedVersion: 0));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\nb")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    [InlineData("del\u007f")]
    [InlineData("c1\u0085")]
    public void Invalid_names_are_refused_naming_the_argument(string bad)
    {
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => _store.CreateSpace(bad)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => _store.DropSpace(bad)).ParamName);
        _store.CreateSpace("s");
        Assert.Equal("space", Assert.Throws<ArgumentException>(() => _store.PutEntry(bad, "k", "v", null)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => _store.PutEntry("s", bad, "v", null)).ParamName);
        Assert.Equal("space", Assert.Throws<ArgumentException>(() => _store.GetEntry(bad, "k")).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => _store.GetEntry("s", bad)).ParamName);
        Assert.Equal("space", Assert.Throws<ArgumentException>(() => _store.ListEntries(bad)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => _store.DeleteEntry("s", bad)).ParamName);
        Assert.Equal(["s"], _store.ListSpaces());
    }

    [Fact]
    public void Names_may_be_255_characters_but_not_256()
    {
        var longest = new string('x', 255);

        _store.CreateSpace(longest);
        _store.PutEntry(longest, longest, "v", null);

        var refused = Assert.Throws<ArgumentException>(() => _store.CreateSpace(new string('x', 256)));
        Assert.Equal("name", refused.ParamName);
        Assert.Contains("255", refused.Message, StringComparison.Ordinal);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => _store.PutEntry(longest, new string('y', 256), "v", null)).ParamName);
    }

    [Fact]
    public void Null_arguments_are_refused()
    {
        _store.CreateSpace("s");

        Assert.Throws<ArgumentNullException>(() => _store.CreateSpace(null!));
        Assert.Throws<ArgumentNullException>(() => _store.PutEntry("s", "k", null!, null));
        Assert.Throws<ArgumentNullException>(() => _store.GetEntry("s", null!));
    }

    [Fact]
    public void Values_are_stored_verbatim()
    {
        _store.CreateSpace("s");
        const string value = "{\"sql\": \"SELECT 1\",\n \"note\": \"\u0000 and ünïcödé 🚀\"}";

        _store.PutEntry("s", "k", value, null);
        _store.PutEntry("s", "empty", string.Empty, null);

        Assert.Equal(value, _store.GetEntry("s", "k")!.Value);
        Assert.Equal(string.Empty, _store.GetEntry("s", "empty")!.Value);
    }

    [Fact]
    public async Task Concurrent_writers_are_serialized()
    {
        _store.CreateSpace("s");
        const int writers = 8;
        const int writesEach = 50;

        var versions = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            var mine = new List<long>();
            for (var i = 0; i < writesEach; i++)
            {
                mine.Add(_store.PutEntry("s", "counter", $"{w}:{i}", null));
                _ = _store.ListEntries("s");
            }

            return mine;
        })));

        var all = versions.SelectMany(v => v).Order().ToList();
        Assert.Equal(Enumerable.Range(1, writers * writesEach).Select(v => (long)v), all);
        Assert.Equal(writers * writesEach, _store.GetEntry("s", "counter")!.Version);
    }

    [Fact]
    public void Writes_are_refused_once_a_newer_epoch_is_recorded_and_change_nothing()
    {
        _store.CreateSpace("s");
        _store.PutEntry("s", "k", "v", null);

        _store.RecordEpochForTesting(2, "newer-master");

        var stale = Assert.Throws<StaleEpochException>(() => _store.CreateSpace("t"));
        Assert.Equal(1, stale.Epoch);
        Assert.Equal(2, stale.RecordedEpoch);
        Assert.Throws<StaleEpochException>(() => _store.DropSpace("s"));
        Assert.Throws<StaleEpochException>(() => _store.PutEntry("s", "k", "w", null));
        Assert.Throws<StaleEpochException>(() => _store.DeleteEntry("s", "k"));

        Assert.Equal(["s"], _store.ListSpaces());
        Assert.Equal(new CatalogEntry("s", "k", "v", 1), _store.GetEntry("s", "k"));
    }

    [Fact]
    public void Acknowledged_writes_survive_closing_and_reopening_with_a_higher_epoch()
    {
        _store.CreateSpace("sales");
        _store.CreateSpace("hr");
        _store.PutEntry("sales", "q1", "100", null);
        _store.PutEntry("sales", "q1", "110", null);
        _store.PutEntry("hr", "alice", "engineer", null);
        _store.DropSpace("hr");
        var id = _store.StoreId;
        _store.Dispose();

        using var reopened = MetadataStore.Open(_dir.Path, 2, "node-2", id);

        Assert.Equal(["sales"], reopened.ListSpaces());
        Assert.Equal(new CatalogEntry("sales", "q1", "110", 2), reopened.GetEntry("sales", "q1"));
        Assert.Equal(3, reopened.PutEntry("sales", "q1", "120", expectedVersion: 2));
    }
}
