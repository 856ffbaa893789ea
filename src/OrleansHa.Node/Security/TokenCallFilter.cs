using Orleans.Runtime;
using OrleansHa.Abstractions.Security;

namespace OrleansHa.Node.Security;

/// <summary>
/// Refuses calls from grain clients to OrleansHa's grains unless they carry a valid token
/// (<see cref="AuthTokens.RequestContextKey"/>); only <see cref="ILoginGrain"/> is open. Calls between silos are not
/// checked: silos are trusted members of the cluster. The node's own REST requests carry the token their caller sent.
/// </summary>
internal sealed class TokenCallFilter(TokenService tokens) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.SourceId is { } source && GrainTypePrefix.IsClient(source)
            && context.InterfaceMethod is { DeclaringType: { } contract }
            && contract.Namespace?.StartsWith("OrleansHa.", StringComparison.Ordinal) == true
            && contract != typeof(ILoginGrain))
        {
            if (RequestContext.Get(AuthTokens.RequestContextKey) is not string token)
            {
                throw new AuthenticationFailedException($"{contract.Name}.{context.InterfaceMethod.Name} needs a token: log in first.");
            }

            (string? user, string? problem) = await tokens.ValidateAsync(token, CancellationToken.None);
            if (user is null)
            {
                throw new AuthenticationFailedException($"{contract.Name}.{context.InterfaceMethod.Name} refused: {problem}.");
            }
        }

        await context.Invoke();
    }
}
