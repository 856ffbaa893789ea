using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using OrleansHa.Abstractions.Security;
using OrleansHa.Grains.Security;
using OrleansHa.Node.Security;

namespace OrleansHa.Node.Flight;

/// <summary>
/// Logins on the Flight port as Dremio does them: a call (the handshake or any other) with
/// <c>authorization: Basic base64(user:password)</c> is logged in and answered with <c>authorization: Bearer &lt;token&gt;</c>
/// in its response headers; later calls send that header. The users and tokens are REST's (<see cref="Authenticator"/>,
/// <see cref="TokenService"/>), so a token from <c>/apiv2/login</c> works here and the other way round, on every
/// coordinator. A call without a valid login ends at once with Unauthenticated and a message saying why.
/// </summary>
/// <remarks>
/// The token and its user go into the Orleans request context as REST's do, so the master checks the user's role and
/// a job names its owner.
/// </remarks>
internal sealed class FlightAuthentication(TokenService tokens, Authenticator authenticator) : Interceptor
{
    private const string Header = "authorization";
    private const string BearerPrefix = "Bearer ";
    private const string BasicPrefix = "Basic ";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    /// <summary>Checks the call's login and puts its token and user in the request context; throws Unauthenticated otherwise.</summary>
    private async Task AuthenticateAsync(ServerCallContext context)
    {
        string header = context.RequestHeaders.GetValue(Header) ?? string.Empty;
        (string token, string user) = await FlightErrors.GuardAsync(async () =>
        {
            if (header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            {
                string bearer = header[BearerPrefix.Length..].Trim();
                (ValidToken? valid, string? problem) = await tokens.ValidateAsync(bearer, context.CancellationToken);
                return valid is null
                    ? throw FlightErrors.Status(StatusCode.Unauthenticated, $"Not authenticated: {problem}.")
                    : (bearer, valid.User);
            }

            if (header.StartsWith(BasicPrefix, StringComparison.OrdinalIgnoreCase))
            {
                (string name, string? password) = DecodeBasic(header[BasicPrefix.Length..].Trim());
                string? address = context.GetHttpContext().Connection.RemoteIpAddress?.ToString();
                IssuedToken issued = await authenticator.LoginAsync(name, password, address, context.CancellationToken);
                context.GetHttpContext().Response.Headers.Append(Header, BearerPrefix + issued.Token);
                return (issued.Token, issued.User);
            }

            throw FlightErrors.Status(
                StatusCode.Unauthenticated,
                header.Length == 0
                    ? "Not authenticated: send \"authorization: Basic <base64 of user:password>\" on the handshake or the first call, then the \"authorization: Bearer <token>\" it answers with."
                    : "Not authenticated: the authorization header must be \"Basic <base64 of user:password>\" or \"Bearer <token>\".");
        });

        RequestContext.Set(AuthTokens.RequestContextKey, token);
        Caller.Set(user);
    }

    private static (string User, string? Password) DecodeBasic(string encoded)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            throw FlightErrors.Status(StatusCode.Unauthenticated, "Not authenticated: the Basic credentials are not base64.");
        }

        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (decoded, null) : (decoded[..colon], decoded[(colon + 1)..]);
    }
}
