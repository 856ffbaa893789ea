using Microsoft.Data.Sqlite;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Storage;

namespace OrleansHa.Grains.Tests.Storage;

public sealed class MetadataStoreViewsTests : IDisposable
{
    private readonly StorageDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Views_are_created_replaced_with_a_new_version_dropped_and_survive_a_new_tenure()
    {
        string id;
        using (MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null))
        {
            id = store.StoreId;
            Assert.Equal(1, store.PutView("big", "SELECT * FROM sales WHERE amount > 10"));
            Assert.Equal(2, store.PutView("big", "SELECT * FROM sales WHERE amount > 100"));
            Assert.Equal(1, store.PutView("gone", "SELECT 1"));
            store.DropView("gone");
            Assert.Throws<CatalogNotFoundException>(() => store.DropView("gone"));
        }

        using MetadataStore next = MetadataStore.Open(_dir.Path, 2, "node-2", id);
        ViewInfo view = Assert.Single(next.ListViews());
        Assert.Equal(new ViewInfo("big", "SELECT * FROM sales WHERE amount > 100", 2), view);
    }

    [Fact]
    public void Every_change_to_a_source_or_view_bumps_the_catalog_version_and_nothing_else_does()
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        long start = store.CatalogVersion();

        store.CreateSource("sales", "/data/sales");
        store.PutView("v", "SELECT 1");
        store.PutView("v", "SELECT 2");
        store.DropView("v");
        store.DropSource("sales");
        store.CreateSpace("space");
        store.PutEntry("space", "k", "v", null);
        Assert.Throws<CatalogNotFoundException>(() => store.DropSource("sales"));

        Assert.Equal(start + 5, store.CatalogVersion());
        CatalogSnapshot snapshot = store.Catalog();
        Assert.Equal(start + 5, snapshot.Version);
        Assert.Empty(snapshot.Sources);
        Assert.Empty(snapshot.Views);
    }

    [Fact]
    public void Sources_and_views_share_one_namespace()
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        store.CreateSource("sales", "/data/sales");
        store.PutView("recent", "SELECT 1");
        long version = store.CatalogVersion();

        Assert.Contains("is a source", Assert.Throws<CatalogConflictException>(() => store.PutView("sales", "SELECT 1")).Message, StringComparison.Ordinal);
        Assert.Contains("is a view", Assert.Throws<CatalogConflictException>(() => store.CreateSource("recent", "/data")).Message, StringComparison.Ordinal);
        Assert.Equal(version, store.CatalogVersion());
    }

    [Fact]
    public void Names_that_differ_only_in_case_are_the_same_name_as_in_queries()
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        store.CreateSource("Sales", "/data/sales");
        store.PutView("Recent", "SELECT 1");

        Assert.Throws<CatalogConflictException>(() => store.CreateSource("SALES", "/data/other"));
        Assert.Throws<CatalogConflictException>(() => store.PutView("sales", "SELECT 1"));
        Assert.Throws<CatalogConflictException>(() => store.PutView("recent", "SELECT 2"));
        Assert.Throws<CatalogConflictException>(() => store.CreateSource("RECENT", "/data/other"));
        Assert.Equal(2, store.PutView("Recent", "SELECT 2"));
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("x\"; DROP")]
    [InlineData("1st")]
    public void A_view_name_must_be_a_plain_identifier(string name)
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        var error = Assert.Throws<ArgumentException>(() => store.PutView(name, "SELECT 1"));
        Assert.Contains($"View name '{name}'", error.Message, StringComparison.Ordinal);
        Assert.Empty(store.ListViews());
    }

    [Fact]
    public void View_SQL_must_not_be_empty_or_oversized()
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        Assert.Throws<ArgumentException>(() => store.PutView("v", "  "));
        var error = Assert.Throws<ArgumentException>(() => store.PutView("v", "SELECT '" + new string('x', MetadataStore.MaxViewSqlLength) + "'"));
        Assert.Contains("at most 65536", error.Message, StringComparison.Ordinal);
        Assert.Empty(store.ListViews());
    }

    [Fact]
    public void A_store_of_schema_3_gains_views_users_and_the_catalog_version_on_open()
    {
        using (MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null))
        {
            store.CreateSource("kept", "/data");
        }

        using (var raw = new SqliteConnection($"Data Source={_dir.Database};Pooling=False"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = "DROP TABLE views; DROP TABLE users; DROP TABLE catalog_version; PRAGMA user_version = 3;";
            command.ExecuteNonQuery();
        }

        using MetadataStore upgraded = MetadataStore.Open(_dir.Path, 2, "node-2", null);
        long version = upgraded.CatalogVersion();
        upgraded.PutView("v", "SELECT * FROM kept");
        Assert.Equal(version + 1, upgraded.CatalogVersion());
        Assert.Equal("kept", Assert.Single(upgraded.Catalog().Sources).Name);
    }
}
