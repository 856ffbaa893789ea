using System.Collections.Frozen;
using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Abstractions.Security;
using OrleansHa.Grains.Security;
using OrleansHa.Node.Http;

namespace OrleansHa.Node.Security;

/// <summary>
/// The door for applications' grain clients: every call from one is checked against its token
/// (<see cref="AuthTokens.RequestContextKey"/>) and let through only to the interfaces meant for applications (SQL
/// and jobs, the catalog, the cluster's status, the login). Refused by default: the master's methods for nodes (password
/// hashes, user writes with a hash made elsewhere, job records), the executors (which read any directory a call
/// names), Orleans' own grains and system targets (membership, the directory, management) refuse a client whatever
/// its token. The caller's user goes with the call (<see cref="Caller"/>), where the master checks its role; a user
/// cancels only jobs it may see.
/// </summary>
/// <remarks>
/// Calls between silos, and the node's own calls through its hosted client (its REST code, which checks tokens
/// itself), are not checked: silos are trusted members of the cluster. Orleans does not check the sender a client
/// names, so a modified client could still pose as a silo: that is for mutual TLS on the gateways to close.
/// </remarks>
internal sealed class TokenCallFilter(TokenService tokens, MasterClient master) : IIncomingGrainCallFilter
{
    private static readonly FrozenSet<Type> ApplicationInterfaces =
        new[] { typeof(ILoginGrain), typeof(IQueryGrain), typeof(IMasterGrain), typeof(IClusterStatusGrain) }.ToFrozenSet();

    private static readonly FrozenSet<string> NodeOnlyMasterMethods = new[]
    {
        nameof(IMasterGrain.GetPasswordHashAsync),
        nameof(IMasterGrain.CreateUserAsync),
        nameof(IMasterGrain.SetPasswordAsync),
        nameof(IMasterGrain.RecordJobAsync),
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Orleans' machinery on an application grain that a client uses: cancelling its own calls (by interface name: the type is internal).</summary>
    private const string CancellationExtension = "Orleans.Runtime.IGrainCallCancellationExtension";

    /// <summary>The one system target a client calls: its gateway's cluster manifest (which grain types exist).</summary>
    private static readonly GrainType ManifestProvider = SystemTargetGrainId.CreateGrainType("manifest");

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.SourceId is { } source && IsExternalClient(source))
        {
            // Only what this door vouches for travels on. Set here, not in CheckAsync: a request context changed
            // inside an async method is lost when it returns.
            Caller.Clear();
            if (await CheckAsync(context) is { } user)
            {
                Caller.Set(user);
            }
        }

        await context.Invoke();
    }

    /// <summary>Refuses the call, or returns the user it is for (null for the login and the manifest, which need none).</summary>
    private async Task<string?> CheckAsync(IIncomingGrainCallContext context)
    {
        string call = $"{context.InterfaceName}.{context.MethodName}";
        Type called = context.Request.GetInterfaceType();
        if (GrainTypePrefix.IsSystemTarget(context.TargetId))
        {
            if (context.TargetId.Type != ManifestProvider)
            {
                throw new AuthenticationFailedException($"{call} is for the cluster's own nodes, not for clients.");
            }

            return null;
        }

        if (called == typeof(ILoginGrain))
        {
            return null;
        }

        if (RequestContext.Get(AuthTokens.RequestContextKey) is not string token)
        {
            throw new AuthenticationFailedException($"{call} needs a token: log in first.");
        }

        (ValidToken? valid, string? problem) = await tokens.ValidateAsync(token, CancellationToken.None);
        if (valid is null)
        {
            throw new AuthenticationFailedException($"{call} refused: {problem}.");
        }

        if (!IsForApplications(context, called))
        {
            throw new AuthenticationFailedException($"{call} is for the cluster's own nodes, not for clients.");
        }

        if (called == typeof(IQueryGrain) && context.MethodName == nameof(IQueryGrain.CancelAsync))
        {
            // The master answers with the job only to its owner and to admins.
            Guid job = context.TargetId.GetGuidKey();
            Caller.Set(valid.User);
            if (await master.ReadAsync(m => m.GetJobAsync(job), CancellationToken.None) is null)
            {
                throw new PermissionDeniedException(
                    $"User '{valid.User}' has no job {job:D} to cancel: a user cancels only its own jobs, an admin any.", PermissionDeniedException.AdminRole);
            }
        }

        return valid.User;
    }

    /// <summary>
    /// A method of an application interface (the master's for nodes excepted), or Orleans' streaming and cancelling of
    /// calls on an application grain (the grain's own interface is then checked by what it implements).
    /// </summary>
    private static bool IsForApplications(IIncomingGrainCallContext context, Type called)
    {
        if (ApplicationInterfaces.Contains(called))
        {
            return called != typeof(IMasterGrain) || !NodeOnlyMasterMethods.Contains(context.MethodName);
        }

        bool machinery = called == typeof(IAsyncEnumerableGrainExtension) || called.FullName == CancellationExtension;
        return machinery && context.Grain is IQueryGrain;
    }

    /// <summary>
    /// A grain client other than a silo's own hosted client. The hosted client makes the node's own calls (its REST
    /// code, which checks tokens itself, and the dashboard's housekeeping) and is as trusted as the silo.
    /// </summary>
    private static bool IsExternalClient(GrainId source) =>
        GrainTypePrefix.IsClient(source)
        && !source.Key.ToString().StartsWith("hosted-", StringComparison.Ordinal);
}
