using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Abstractions.Security;

namespace OrleansHa.Node.Security;

/// <summary>
/// Checks every call that comes from an application's grain client against its token
/// (<see cref="AuthTokens.RequestContextKey"/>). Refused by default: only <see cref="ILoginGrain"/> and Orleans'
/// system targets (the client's own housekeeping) take calls without a token; streaming calls, which Orleans
/// delivers through its enumeration extension, are checked like any other. The cluster's internals (executors, the
/// user table, job records) refuse application clients whatever their token, so a user cannot read arbitrary files
/// through an executor, read password hashes, or forge a job. Calls between silos, and the node's own calls
/// through its hosted client, are not checked: silos are trusted members of the cluster. (Orleans does not check the
/// sender a client names, so a modified client could pose as a silo: the token keeps honest clients honest, it does
/// not replace keeping the gateways' network private.)
/// </summary>
internal sealed class TokenCallFilter(TokenService tokens) : IIncomingGrainCallFilter
{
    private static readonly HashSet<string> NodeOnlyMasterMethods = new(StringComparer.Ordinal)
    {
        nameof(IMasterGrain.GetPasswordHashAsync),
        nameof(IMasterGrain.PutUserAsync),
        nameof(IMasterGrain.DropUserAsync),
        nameof(IMasterGrain.RecordJobAsync),
    };

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.SourceId is { } source && IsExternalClient(source) && !IsOpen(context))
        {
            string call = $"{context.InterfaceName}.{context.MethodName}";
            if (RequestContext.Get(AuthTokens.RequestContextKey) is not string token)
            {
                throw new AuthenticationFailedException($"{call} needs a token: log in first.");
            }

            (string? user, string? problem) = await tokens.ValidateAsync(token, CancellationToken.None);
            if (user is null)
            {
                throw new AuthenticationFailedException($"{call} refused: {problem}.");
            }

            if (IsNodeOnly(context))
            {
                throw new AuthenticationFailedException($"{call} is for the cluster's own nodes, not for clients.");
            }
        }

        await context.Invoke();
    }

    /// <summary>
    /// A grain client other than a silo's own hosted client. The hosted client makes the node's own calls (its REST
    /// code, which checks tokens itself, and the dashboard's housekeeping) and is as trusted as the silo.
    /// </summary>
    private static bool IsExternalClient(GrainId source) =>
        GrainTypePrefix.IsClient(source)
        && !source.Key.ToString().StartsWith("hosted-", StringComparison.Ordinal);

    private static bool IsOpen(IIncomingGrainCallContext context) =>
        context.Grain is ILoginGrain || GrainTypePrefix.IsSystemTarget(context.TargetId);

    private static bool IsNodeOnly(IIncomingGrainCallContext context) =>
        (context.Grain is IExecutorGrain && context.MethodName != nameof(IExecutorGrain.GetRunningCountAsync))
        || (context.Grain is IMasterGrain && NodeOnlyMasterMethods.Contains(context.MethodName));
}
