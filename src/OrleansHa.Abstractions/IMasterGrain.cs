using OrleansHa.Abstractions.Security;

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

    /// <summary>Creates a space in the catalog. Needs the admin role, as every change of what the catalog holds but entries.</summary>
    /// <exception cref="CatalogException">It exists already, or the name is invalid.</exception>
    /// <exception cref="PermissionDeniedException">The caller is not an admin.</exception>
    Task CreateSpaceAsync(string name);

    /// <summary>Drops a space and its entries. Needs the admin role.</summary>
    Task DropSpaceAsync(string name);

    Task<IReadOnlyList<string>> ListSpacesAsync();

    /// <summary>Writes an entry (any user may: a space is where users keep shared values); with <paramref name="expectedVersion"/>, only if the entry has that version (0: absent). Returns the new version.</summary>
    Task<long> PutEntryAsync(string space, string key, string value, long? expectedVersion);

    Task<CatalogEntry?> GetEntryAsync(string space, string key);

    Task<IReadOnlyList<CatalogEntry>> ListEntriesAsync(string space);

    /// <summary>Registers a source: <paramref name="name"/> becomes readable in queries as the files under <paramref name="path"/>. Needs the admin role.</summary>
    /// <exception cref="CatalogException">It exists, or the name or path is invalid.</exception>
    /// <exception cref="PermissionDeniedException">The caller is not an admin.</exception>
    Task CreateSourceAsync(string name, string path);

    /// <summary>Needs the admin role.</summary>
    Task DropSourceAsync(string name);

    Task<IReadOnlyList<SourceInfo>> ListSourcesAsync();

    /// <summary>Creates the view <paramref name="name"/> for <paramref name="sql"/>, or replaces its SQL. Returns the view's new version. Needs the admin role.</summary>
    /// <exception cref="CatalogException">A source has that name, or the name or SQL is invalid.</exception>
    /// <exception cref="PermissionDeniedException">The caller is not an admin.</exception>
    Task<long> PutViewAsync(string name, string sql);

    /// <summary>Needs the admin role.</summary>
    Task DropViewAsync(string name);

    Task<IReadOnlyList<ViewInfo>> ListViewsAsync();

    /// <summary>The catalog version, bumped by every change to a source or a view: cheap to ask before each query.</summary>
    Task<long> GetCatalogVersionAsync();

    /// <summary>Sources and views at one version.</summary>
    Task<CatalogSnapshot> GetCatalogAsync();

    /// <summary>
    /// Creates a user (an admin if <paramref name="admin"/>) with a password hash made by a coordinator (the master
    /// never sees passwords). For the cluster's nodes only: a coordinator hashes the password a user gives it.
    /// Returns whether the user was created (false: the name is taken).
    /// </summary>
    /// <exception cref="PermissionDeniedException">The caller is not an admin.</exception>
    Task<bool> CreateUserAsync(string name, string passwordHash, bool admin);

    /// <summary>Replaces a user's password hash: an admin's call, or the user's own. For the cluster's nodes only, as <see cref="CreateUserAsync"/>.</summary>
    /// <exception cref="PermissionDeniedException">The caller is neither an admin nor that user.</exception>
    /// <exception cref="CatalogException">There is no such user.</exception>
    Task SetPasswordAsync(string name, string passwordHash);

    /// <summary>Makes a user an admin or an ordinary user.</summary>
    /// <exception cref="PermissionDeniedException">The caller is not an admin.</exception>
    /// <exception cref="CatalogException">There is no such user, or it is the last admin.</exception>
    Task SetAdminAsync(string name, bool admin);

    /// <exception cref="PermissionDeniedException">The caller is not an admin.</exception>
    /// <exception cref="CatalogException">There is no such user, or it is the last admin.</exception>
    Task DropUserAsync(string name);

    /// <summary>The user's password hash, or null if there is no such user. For the cluster's nodes only.</summary>
    Task<string?> GetPasswordHashAsync(string name);

    /// <summary>A user and its role, or null if there is no such user: the caller's own, or anyone's for an admin.</summary>
    /// <exception cref="PermissionDeniedException">The caller asks for another user and is not an admin.</exception>
    Task<UserInfo?> GetUserAsync(string name);

    /// <exception cref="PermissionDeniedException">The caller is not an admin.</exception>
    Task<IReadOnlyList<UserInfo>> ListUsersAsync();

    /// <summary>
    /// Records a job's state; a finished job keeps its final state. The first record names the caller as the job's
    /// owner. Returns the job as recorded. For the cluster's nodes only.
    /// </summary>
    Task<JobInfo> RecordJobAsync(JobInfo job);

    /// <summary>The job, or null if there is none with that id that the caller may see (its own; any for an admin).</summary>
    Task<JobInfo?> GetJobAsync(Guid id);

    /// <summary>The <paramref name="limit"/> most recently submitted jobs the caller may see (its own; all for an admin), newest first.</summary>
    /// <exception cref="CatalogException"><paramref name="limit"/> is not positive.</exception>
    Task<IReadOnlyList<JobInfo>> ListJobsAsync(int limit);

    /// <summary>The <paramref name="limit"/> latest master tenures recorded in the store, newest first: the failover history.</summary>
    /// <exception cref="CatalogException"><paramref name="limit"/> is not positive.</exception>
    Task<IReadOnlyList<TenureInfo>> ListTenuresAsync(int limit);
}
