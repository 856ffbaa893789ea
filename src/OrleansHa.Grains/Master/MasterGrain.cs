using Orleans.GrainDirectory;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Election;
using OrleansHa.Grains.Storage;

namespace OrleansHa.Grains.Master;

/// <summary>
/// The active master for one epoch: serves the catalog from the metadata store it holds. It activates only on the
/// silo whose election holds its epoch, and refuses every call once the tenure is over or in doubt.
/// </summary>
[MasterPlacement]
[GrainDirectory(GrainDirectoryName = MasterGrainDirectory.Name)]
internal sealed class MasterGrain(MasterLatch latch) : Grain, IMasterGrain
{
    private long Epoch => this.GetPrimaryKeyLong();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _ = CurrentTenure();
        return base.OnActivateAsync(cancellationToken);
    }

    public Task<MasterInfo> GetInfoAsync() => Task.FromResult(CurrentTenure().Info);

    public Task CreateSpaceAsync(string name) => Write(store => store.CreateSpace(name));

    public Task DropSpaceAsync(string name) => Write(store => store.DropSpace(name));

    public Task<IReadOnlyList<string>> ListSpacesAsync() => Read(store => store.ListSpaces());

    public Task<long> PutEntryAsync(string space, string key, string value, long? expectedVersion) =>
        Write(store => store.PutEntry(space, key, value, expectedVersion));

    public Task<CatalogEntry?> GetEntryAsync(string space, string key) => Read(store => store.GetEntry(space, key));

    public Task<IReadOnlyList<CatalogEntry>> ListEntriesAsync(string space) => Read(store => store.ListEntries(space));

    public Task CreateSourceAsync(string name, string path) => Write(store => store.CreateSource(name, path));

    public Task DropSourceAsync(string name) => Write(store => store.DropSource(name));

    public Task<IReadOnlyList<SourceInfo>> ListSourcesAsync() => Read(store => store.ListSources());

    public Task<long> PutViewAsync(string name, string sql) => Write(store => store.PutView(name, sql));

    public Task DropViewAsync(string name) => Write(store => store.DropView(name));

    public Task<IReadOnlyList<ViewInfo>> ListViewsAsync() => Read(store => store.ListViews());

    public Task<long> GetCatalogVersionAsync() => Read(store => store.CatalogVersion());

    public Task<CatalogSnapshot> GetCatalogAsync() => Read(store => store.Catalog());

    public Task<bool> PutUserAsync(string name, string passwordHash, bool replace) => Write(store => store.PutUser(name, passwordHash, replace));

    public Task DropUserAsync(string name) => Write(store => store.DropUser(name));

    public Task<string?> GetPasswordHashAsync(string name) => Read(store => store.GetPasswordHash(name));

    public Task<IReadOnlyList<string>> ListUsersAsync() => Read(store => store.ListUsers());

    public Task<JobInfo> RecordJobAsync(JobInfo job) => Write(store => store.RecordJob(job));

    public Task<JobInfo?> GetJobAsync(Guid id) => Read(store => store.GetJob(id));

    public Task<IReadOnlyList<JobInfo>> ListJobsAsync(int limit) => Read(store => store.ListJobs(limit));

    private Tenure CurrentTenure()
    {
        try
        {
            return latch.TenureOf(Epoch);
        }
        catch (NoActiveMasterException)
        {
            // Deactivate: this grain identity can never serve again on this silo.
            DeactivateOnIdle();
            throw;
        }
    }

    private Task<T> Read<T>(Func<MetadataStore, T> read) => Task.FromResult(Guarded(read));

    private Task<bool> Write(Action<MetadataStore> write) => Task.FromResult(Guarded(store =>
    {
        write(store);
        return true;
    }));

    private Task<T> Write<T>(Func<MetadataStore, T> write) => Task.FromResult(Guarded(write));

    /// <summary>Runs against the store through the latch's guard; the store's errors become catalog errors.</summary>
    private T Guarded<T>(Func<MetadataStore, T> action)
    {
        _ = CurrentTenure();
        try
        {
            return latch.Act(Epoch, action);
        }
        catch (CatalogConflictException ex)
        {
            throw new CatalogException(CatalogError.Conflict, ex.Message);
        }
        catch (CatalogNotFoundException ex)
        {
            throw new CatalogException(CatalogError.NotFound, ex.Message);
        }
        catch (ArgumentException ex)
        {
            throw new CatalogException(CatalogError.Invalid, ex.Message);
        }
    }
}
