using Microsoft.Data.Sqlite;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Storage;

namespace OrleansHa.Grains.Tests.Storage;

public sealed class MetadataStoreSourcesTests : IDisposable
{
    private readonly StorageDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Sources_are_created_listed_dropped_and_survive_a_new_tenure()
    {
        string id;
        using (MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null))
        {
            id = store.StoreId;
            store.CreateSource("sales", "/data/sales");
            store.CreateSource("_raw2", "/data/raw/");
            Assert.Throws<CatalogConflictException>(() => store.CreateSource("sales", "/elsewhere"));
            store.DropSource("_raw2");
            Assert.Throws<CatalogNotFoundException>(() => store.DropSource("_raw2"));
        }

        using MetadataStore reopened = MetadataStore.Open(_dir.Path, 2, "node-2", id);
        Assert.Equal([new SourceInfo("sales", "/data/sales")], reopened.ListSources());
    }

    [Theory]
    [InlineData("1st")]
    [InlineData("sales-2024")]
    [InlineData("x; DROP TABLE y")]
    [InlineData("a b")]
    public void A_source_name_must_be_a_plain_identifier(string name)
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        var error = Assert.Throws<ArgumentException>(() => store.CreateSource(name, "/data"));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Empty(store.ListSources());
    }

    [Theory]
    [InlineData("relative/dir")]
    [InlineData("/data/../etc")]
    [InlineData("/data/./x")]
    public void A_source_path_must_be_absolute_and_normalised(string path)
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        var error = Assert.Throws<ArgumentException>(() => store.CreateSource("s", path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_of_schema_1_gains_the_sources_table_on_open()
    {
        using (MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null))
        {
            store.CreateSpace("kept");
        }

        // Make it look like a store written before sources existed.
        using (var raw = new SqliteConnection($"Data Source={_dir.Database};Pooling=False"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = "DROP TABLE sources; PRAGMA user_version = 1;";
            command.ExecuteNonQuery();
        }

        using MetadataStore upgraded = MetadataStore.Open(_dir.Path, 2, "node-2", null);
        upgraded.CreateSource("s", "/data");
        Assert.Single(upgraded.ListSources());
        Assert.Equal(["kept"], upgraded.ListSpaces());
    }
}
