namespace OrleansHa.Grains.Security;

/// <summary>
/// The user a call is made for, as the cluster's own doors vouch for it: the REST API after checking the token, and
/// the token filter for every call from an application's grain client (which first removes whatever the client put
/// there itself). It travels in the request context, so the calls a grain makes on that call's behalf carry it too:
/// the query grain's records of a job name the user who submitted it.
/// </summary>
/// <remarks>
/// No caller means the node acting for itself (a login looking a user up, the sweeper of orphaned jobs): the doors
/// never let an application's call through without one.
/// </remarks>
public static class Caller
{
    private const string RequestContextKey = "orleans-ha.caller";

    /// <summary>The user of the call in progress, or null for the node's own calls.</summary>
    public static string? Current => RequestContext.Get(RequestContextKey) as string;

    public static void Set(string user) => RequestContext.Set(RequestContextKey, user);

    public static void Clear() => RequestContext.Remove(RequestContextKey);
}
