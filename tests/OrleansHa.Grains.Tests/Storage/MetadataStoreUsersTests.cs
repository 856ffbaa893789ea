using Microsoft.Data.Sqlite;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Security;
using OrleansHa.Grains.Storage;

namespace OrleansHa.Grains.Tests.Storage;

/// <summary>Users with roles and jobs with owners in the metadata store, and the upgrade of a store made before roles.</summary>
public sealed class MetadataStoreUsersTests : IDisposable
{
    private readonly StorageDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Users_keep_only_hashes_are_created_once_and_their_password_changes_only_when_asked()
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        Assert.True(store.CreateUser("ada", "hash-1", admin: true));
        Assert.False(store.CreateUser("ada", "hash-2", admin: false));
        Assert.Equal("hash-1", store.GetPasswordHash("ada"));
        Assert.True(store.IsAdmin("ada"));
        store.SetPassword("ada", "hash-3");
        Assert.Equal("hash-3", store.GetPasswordHash("ada"));
        Assert.Throws<CatalogNotFoundException>(() => store.SetPassword("bob", "hash"));
        Assert.Null(store.GetPasswordHash("bob"));
        Assert.Null(store.IsAdmin("bob"));
        Assert.Equal([new UserInfo("ada", true)], store.ListUsers());
        Assert.True(store.CreateUser("bob", "hash-b", admin: false));
        store.DropUser("bob");
        Assert.Throws<CatalogNotFoundException>(() => store.DropUser("bob"));
        Assert.Equal(["ada"], store.ListUsers().Select(u => u.Name));
    }

    [Fact]
    public void The_last_admin_can_be_neither_dropped_nor_demoted_and_nothing_changes_when_refused()
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        store.CreateUser("ada", "hash-a", admin: true);
        store.CreateUser("bob", "hash-b", admin: false);

        Assert.Contains("last admin", Assert.Throws<CatalogConflictException>(() => store.DropUser("ada")).Message, StringComparison.Ordinal);
        Assert.Contains("last admin", Assert.Throws<CatalogConflictException>(() => store.SetAdmin("ada", false)).Message, StringComparison.Ordinal);
        Assert.Equal([new UserInfo("ada", true), new UserInfo("bob", false)], store.ListUsers());

        store.SetAdmin("bob", true);
        store.SetAdmin("ada", false);
        store.DropUser("ada");
        Assert.Equal([new UserInfo("bob", true)], store.ListUsers());
        Assert.Throws<CatalogNotFoundException>(() => store.SetAdmin("ada", true));
    }

    [Fact]
    public void Jobs_keep_the_owner_of_their_first_record_and_list_by_owner()
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        DateTimeOffset start = DateTimeOffset.UtcNow;
        JobInfo ada = Job("SELECT 'ada'", start) with { Owner = "ada" };
        JobInfo bob = Job("SELECT 'bob'", start.AddSeconds(1)) with { Owner = "bob" };
        store.RecordJob(ada);
        store.RecordJob(bob);

        // A later record without an owner (the sweeper's, the node's own) or with another does not take the job over.
        Assert.Equal("ada", store.RecordJob(ada with { State = JobState.Running, Owner = null }).Owner);
        Assert.Equal("ada", store.RecordJob(ada with { State = JobState.Completed, Owner = "bob" }).Owner);

        Assert.Equal("ada", store.GetJob(ada.Id)!.Owner);
        Assert.Equal([bob.Id, ada.Id], store.ListJobs(10).Select(j => j.Id));
        Assert.Equal([ada.Id], store.ListJobs(10, owner: "ada").Select(j => j.Id));
        Assert.Empty(store.ListJobs(10, owner: "carol"));
    }

    [Fact]
    public void A_store_of_schema_4_upgrades_its_users_to_admins_and_its_jobs_to_no_owner()
    {
        JobInfo old = Job("SELECT 'before roles'", DateTimeOffset.UtcNow);
        string storeId;
        using (MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null))
        {
            storeId = store.StoreId;
        }

        // Schema 4 as nodes before roles wrote it: no admin column, no job owner.
        using (var raw = new SqliteConnection($"Data Source={_dir.Database};Pooling=False"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = $"""
                DROP INDEX jobs_by_owner;
                ALTER TABLE jobs DROP COLUMN owner;
                ALTER TABLE users DROP COLUMN admin;
                INSERT INTO users(name, password_hash, created_at, created_epoch) VALUES ('admin', 'hash-admin', '2026-01-01', 1), ('ada', 'hash-ada', '2026-01-02', 1);
                INSERT INTO jobs(id, sql, state, submitted_at, row_count, coordinator, updated_epoch)
                    VALUES ('{old.Id:D}', '{old.Sql.Replace("'", "''", StringComparison.Ordinal)}', 'Completed', '{old.SubmittedAt:O}', 1, 'c', 1);
                PRAGMA user_version = 4;
                """;
            command.ExecuteNonQuery();
        }

        using (MetadataStore upgraded = MetadataStore.Open(_dir.Path, 2, "node-2", storeId))
        {
            Assert.Equal([new UserInfo("ada", true), new UserInfo("admin", true)], upgraded.ListUsers());
            Assert.Equal("hash-ada", upgraded.GetPasswordHash("ada"));
            JobInfo job = upgraded.GetJob(old.Id)!;
            Assert.Equal(JobState.Completed, job.State);
            Assert.Null(job.Owner);
            Assert.Empty(upgraded.ListJobs(10, owner: "ada"));

            // New users after the upgrade are ordinary unless made admins.
            upgraded.CreateUser("bob", "hash-bob", admin: false);
            Assert.False(upgraded.IsAdmin("bob"));
        }

        using var raw2 = new SqliteConnection($"Data Source={_dir.Database};Pooling=False");
        raw2.Open();
        using var version = raw2.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)MetadataStore.SchemaVersion, version.ExecuteScalar());
    }

    private static JobInfo Job(string sql, DateTimeOffset submitted) =>
        new(Guid.NewGuid(), sql, JobState.Submitted, submitted, null, null, 0, null, "coordinator-1");
}
