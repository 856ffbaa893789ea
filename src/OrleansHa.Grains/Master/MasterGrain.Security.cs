using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Security;
using OrleansHa.Grains.Security;
using OrleansHa.Grains.Storage;

namespace OrleansHa.Grains.Master;

/// <summary>
/// Users, roles and jobs by owner. The master owns the user table, so it is where roles are checked, for every door
/// alike (REST, grain clients, the command line): the caller is the user the door vouched for (<see cref="Caller"/>),
/// and its role is read from the store on each call, so a change of role counts at once. A call without a caller is
/// the node's own and may do anything; the token filter keeps applications from the node-only methods.
/// </summary>
internal sealed partial class MasterGrain
{
    public Task<bool> CreateUserAsync(string name, string passwordHash, bool admin) =>
        AdminWrite("Creating a user", store => store.CreateUser(name, passwordHash, admin));

    public Task SetPasswordAsync(string name, string passwordHash) => Write(store =>
    {
        if (Caller.Current != name)
        {
            RequireAdmin(store, "Changing another user's password");
        }

        store.SetPassword(name, passwordHash);
    });

    public Task SetAdminAsync(string name, bool admin) => AdminWrite("Changing a user's role", store => store.SetAdmin(name, admin));

    public Task DropUserAsync(string name) => AdminWrite("Dropping a user", store => store.DropUser(name));

    public Task<string?> GetPasswordHashAsync(string name) => Read(store => store.GetPasswordHash(name));

    public Task<UserInfo?> GetUserAsync(string name) => Read(store =>
    {
        if (Caller.Current != name)
        {
            RequireAdmin(store, "Reading another user");
        }

        return store.IsAdmin(name) is { } admin ? new UserInfo(name, admin) : null;
    });

    public Task<IReadOnlyList<UserInfo>> ListUsersAsync() => Read(store =>
    {
        RequireAdmin(store, "Listing users");
        return store.ListUsers();
    });

    public Task<JobInfo> RecordJobAsync(JobInfo job) => Write(store => store.RecordJob(job with { Owner = Caller.Current }));

    public Task<JobInfo?> GetJobAsync(Guid id) => Read(store => store.GetJob(id) is { } job && MaySee(store, job) ? job : null);

    public Task<IReadOnlyList<JobInfo>> ListJobsAsync(int limit) => Read(store =>
        Caller.Current is { } user && store.IsAdmin(user) != true ? store.ListJobs(limit, owner: user) : store.ListJobs(limit));

    private static bool MaySee(MetadataStore store, JobInfo job) =>
        Caller.Current is not { } user || job.Owner == user || store.IsAdmin(user) == true;

    /// <exception cref="PermissionDeniedException">The caller is a user, and not an admin (a dropped user is not one either).</exception>
    private static void RequireAdmin(MetadataStore store, string doing)
    {
        if (Caller.Current is { } user && store.IsAdmin(user) != true)
        {
            throw PermissionDeniedException.NeedsAdmin(doing, user);
        }
    }

    private Task<bool> AdminWrite(string doing, Action<MetadataStore> write) => Write(store =>
    {
        RequireAdmin(store, doing);
        write(store);
    });

    private Task<T> AdminWrite<T>(string doing, Func<MetadataStore, T> write) => Write(store =>
    {
        RequireAdmin(store, doing);
        return write(store);
    });
}
