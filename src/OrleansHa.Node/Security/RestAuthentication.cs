using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Security;
using OrleansHa.Node.Http;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Security;

/// <summary>
/// Every HTTP request but <c>/apiv2/server_status</c> and <c>/apiv2/login</c> needs a token, sent as Dremio sends it
/// (<c>Authorization: _dremio&lt;token&gt;</c>) or as <c>Bearer &lt;token&gt;</c>. The dashboard also takes a user name and
/// password (Basic), so a browser can log in to it. A request that passes carries its token into the grain calls it
/// makes, where <see cref="TokenCallFilter"/> checks it again.
/// </summary>
internal static class RestAuthentication
{
    private const string DremioPrefix = "_dremio";
    private const string BearerPrefix = "Bearer ";
    private const string BasicPrefix = "Basic ";

    public static void UseRestAuthentication(this WebApplication app)
    {
        var basicLogins = new BasicLoginCache();
        app.Use(async (context, next) =>
        {
            PathString path = context.Request.Path;
            if (path.Equals("/apiv2/server_status", StringComparison.OrdinalIgnoreCase) || path.Equals("/apiv2/login", StringComparison.OrdinalIgnoreCase))
            {
                await next(context);
                return;
            }

            bool dashboard = path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase);
            string header = context.Request.Headers.Authorization.ToString();
            string? token = header.StartsWith(DremioPrefix, StringComparison.Ordinal) ? header[DremioPrefix.Length..].Trim()
                : header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) ? header[BearerPrefix.Length..].Trim()
                : null;
            string? problem;
            if (token is not null)
            {
                try
                {
                    (_, problem) = await context.RequestServices.GetRequiredService<TokenService>().ValidateAsync(token, context.RequestAborted);
                }
                catch (ZooKeeperException ex)
                {
                    // Only a node's first check reads the key; without ZooKeeper it cannot tell, and says so.
                    await Results.Json(new { errorMessage = $"Cannot check the token: ZooKeeper is unreachable ({ex.Message})." }, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
                    return;
                }
            }
            else if (dashboard && header.StartsWith(BasicPrefix, StringComparison.OrdinalIgnoreCase))
            {
                (token, problem) = await basicLogins.LoginAsync(header[BasicPrefix.Length..].Trim(), context.RequestServices.GetRequiredService<Authenticator>(), context.RequestAborted);
            }
            else
            {
                problem = header.Length == 0
                    ? "an Authorization header is required: log in with POST /apiv2/login, then send \"Authorization: _dremio<token>\" or \"Bearer <token>\""
                    : "the Authorization header must be \"_dremio<token>\" or \"Bearer <token>\"";
            }

            if (problem is not null)
            {
                if (dashboard)
                {
                    context.Response.Headers.WWWAuthenticate = "Basic realm=\"OrleansHa dashboard\", charset=\"UTF-8\"";
                }

                await Results.Json(new { errorMessage = $"Not authenticated: {problem}." }, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
                return;
            }

            RequestContext.Set(AuthTokens.RequestContextKey, token!);
            await next(context);
        });

        app.MapPost("/apiv2/login", async (LoginRequest? request, Authenticator authenticator, CancellationToken ct) =>
        {
            try
            {
                IssuedToken issued = await authenticator.LoginAsync(request?.UserName, request?.Password, ct);
                return Results.Json(new { token = issued.Token, userName = issued.User, expires = issued.Expires.ToUnixTimeMilliseconds() });
            }
            catch (AuthenticationFailedException ex)
            {
                return Results.Json(new { errorMessage = ex.Message }, statusCode: StatusCodes.Status401Unauthorized);
            }
            catch (NoActiveMasterException ex)
            {
                return HttpProblems.NoMaster(ex.Message);
            }
            catch (ZooKeeperException ex)
            {
                return Results.Json(new { errorMessage = $"Cannot issue a token: ZooKeeper is unreachable ({ex.Message})." }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
    }

    private sealed record LoginRequest(string? UserName, string? Password);

    /// <summary>
    /// Basic logins for the dashboard, remembered for a few minutes by a hash of the credentials: a browser sends them
    /// with every request, and checking a slow hash each time would make the dashboard crawl.
    /// </summary>
    private sealed class BasicLoginCache
    {
        private static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(5);
        private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> _known = new(StringComparer.Ordinal);

        public async Task<(string? Token, string? Problem)> LoginAsync(string encoded, Authenticator authenticator, CancellationToken cancellationToken)
        {
            string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(encoded)));
            if (_known.TryGetValue(key, out var known) && known.Until > DateTimeOffset.UtcNow)
            {
                return (known.Token, null);
            }

            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                return (null, "the Basic credentials are not base64");
            }

            int colon = decoded.IndexOf(':', StringComparison.Ordinal);
            try
            {
                IssuedToken issued = await authenticator.LoginAsync(colon < 0 ? decoded : decoded[..colon], colon < 0 ? null : decoded[(colon + 1)..], cancellationToken);
                _known[key] = (issued.Token, DateTimeOffset.UtcNow + RememberFor);
                return (issued.Token, null);
            }
            catch (Exception ex) when (ex is AuthenticationFailedException or NoActiveMasterException or ZooKeeperException)
            {
                return (null, ex.Message.TrimEnd('.'));
            }
        }
    }
}
