namespace OrleansHa.Abstractions;

/// <summary>
/// The active master-coordinator. Its key is the epoch (fencing token) of the tenure it belongs to: a new master is
/// a new grain, so callers never wait on the old master's silo, and a call addressed to an old epoch is refused as
/// stale. It activates only on the silo that holds that epoch.
/// </summary>
public interface IMasterGrain : IGrainWithIntegerKey
{
    /// <summary>Who is master, since when.</summary>
    Task<MasterInfo> GetInfoAsync();

    /// <summary>Creates a space in the catalog.</summary>
    /// <exception cref="CatalogException">It exists already, or the name is invalid.</exception>
    Task CreateSpaceAsync(string name);

    /// <summary>Drops a space and its entries.</summary>
    Task DropSpaceAsync(string name);

    Task<IReadOnlyList<string>> ListSpacesAsync();

    /// <summary>Writes an entry; with <paramref name="expectedVersion"/>, only if the entry has that version (0: absent). Returns the new version.</summary>
    Task<long> PutEntryAsync(string space, string key, string value, long? expectedVersion);

    Task<CatalogEntry?> GetEntryAsync(string space, string key);

    Task<IReadOnlyList<CatalogEntry>> ListEntriesAsync(string space);

    /// <summary>Registers a source: <paramref name="name"/> becomes readable in queries as the files under <paramref name="path"/>.</summary>
    /// <exception cref="CatalogException">It exists, or the name or path is invalid.</exception>
    Task CreateSourceAsync(string name, string path);

    Task DropSourceAsync(string name);

    Task<IReadOnlyList<SourceInfo>> ListSourcesAsync();

    /// <summary>Creates the view <paramref name="name"/> for <paramref name="sql"/>, or replaces its SQL. Returns the view's new version.</summary>
    /// <exception cref="CatalogException">A source has that name, or the name or SQL is invalid.</exception>
    Task<long> PutViewAsync(string name, string sql);

    Task DropViewAsync(string name);

    Task<IReadOnlyList<ViewInfo>> ListViewsAsync();

    /// <summary>The catalog version, bumped by every change to a source or a view: cheap to ask before each query.</summary>
    Task<long> GetCatalogVersionAsync();

    /// <summary>Sources and views at one version.</summary>
    Task<CatalogSnapshot> GetCatalogAsync();

    /// <summary>
    /// Creates a user with a password hash made by a coordinator (the master never sees passwords); with
    /// <paramref name="replace"/>, an existing user's hash is replaced. Returns whether the user was created.
    /// </summary>
    Task<bool> PutUserAsync(string name, string passwordHash, bool replace);

    Task DropUserAsync(string name);

    /// <summary>The user's password hash, or null if there is no such user.</summary>
    Task<string?> GetPasswordHashAsync(string name);

    Task<IReadOnlyList<string>> ListUsersAsync();

    /// <summary>Records a job's state; a finished job keeps its final state. Returns the job as recorded.</summary>
    Task<JobInfo> RecordJobAsync(JobInfo job);

    Task<JobInfo?> GetJobAsync(Guid id);

    /// <summary>The <paramref name="limit"/> most recently submitted jobs, newest first.</summary>
    /// <exception cref="CatalogException"><paramref name="limit"/> is not positive.</exception>
    Task<IReadOnlyList<JobInfo>> ListJobsAsync(int limit);

    /// <summary>The <paramref name="limit"/> latest master tenures recorded in the store, newest first: the failover history.</summary>
    /// <exception cref="CatalogException"><paramref name="limit"/> is not positive.</exception>
    Task<IReadOnlyList<TenureInfo>> ListTenuresAsync(int limit);
}
