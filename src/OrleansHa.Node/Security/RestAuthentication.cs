using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.HttpOverrides;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Security;
using OrleansHa.Grains.Security;
using OrleansHa.Node.Http;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Security;

/// <summary>
/// Every HTTP request but <c>GET /apiv2/server_status</c>, <c>POST /apiv2/login</c> and the operator endpoints (health,
/// metrics) needs a token, sent as Dremio sends it (<c>Authorization: _dremio&lt;token&gt;</c>) or as <c>Bearer &lt;token&gt;</c>;
/// the cluster page and the dashboard also take a user name and password (Basic), so a browser can log in to them. A
/// request that passes carries its token and its user (<see cref="Caller"/>) into the grain calls it makes: the master
/// checks the user's role, and <see cref="TokenCallFilter"/> the token. <c>DELETE /apiv2/login</c> logs the token out on
/// every coordinator.
/// </summary>
/// <remarks>
/// The address a login counts against is the TCP peer, or the client named in <c>X-Forwarded-For</c> by a proxy on
/// this machine (loopback only, as ASP.NET Core trusts by default): an nginx in front must not make every user one.
/// </remarks>
internal static class RestAuthentication
{
    private const string DremioPrefix = "_dremio";
    private const string BearerPrefix = "Bearer ";
    private const string BasicPrefix = "Basic ";
    private const string LoginPath = "/apiv2/login";

    public static void UseRestAuthentication(this WebApplication app)
    {
        app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor });
        var basicLogins = new BasicLoginCache();
        app.Use(async (context, next) =>
        {
            PathString path = context.Request.Path;
            if ((HttpMethods.IsGet(context.Request.Method) && path.Equals("/apiv2/server_status", StringComparison.OrdinalIgnoreCase))
                || (HttpMethods.IsPost(context.Request.Method) && path.Equals(LoginPath, StringComparison.OrdinalIgnoreCase))
                || Diagnostics.OperatorEndpoints.IsOpen(path)
                || Flight.FlightHosting.IsFlightRequest(context, context.RequestServices.GetRequiredService<Configuration.NodeConfiguration>()))
            {
                await next(context);
                return;
            }

            // The cluster page and the dashboard, which a browser opens: they take a user name and password too.
            bool dashboard = path == "/" || path.StartsWithSegments(ClusterPage.DataPath, StringComparison.OrdinalIgnoreCase)
                || path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase);
            string header = context.Request.Headers.Authorization.ToString();
            string? token = header.StartsWith(DremioPrefix, StringComparison.Ordinal) ? header[DremioPrefix.Length..].Trim()
                : header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) ? header[BearerPrefix.Length..].Trim()
                : null;
            ValidToken? valid = null;
            string? problem;
            try
            {
                if (token is not null)
                {
                    (valid, problem) = await context.RequestServices.GetRequiredService<TokenService>().ValidateAsync(token, context.RequestAborted);
                }
                else if (dashboard && header.StartsWith(BasicPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    (token, valid, problem) = await basicLogins.LoginAsync(
                        header[BasicPrefix.Length..].Trim(), ClientAddress(context), context.RequestServices, context.RequestAborted);
                }
                else
                {
                    problem = header.Length == 0
                        ? "an Authorization header is required: log in with POST /apiv2/login, then send \"Authorization: _dremio<token>\" or \"Bearer <token>\""
                        : "the Authorization header must be \"_dremio<token>\" or \"Bearer <token>\"";
                }
            }
            catch (LoginThrottledException ex)
            {
                await new ThrottledResult(ex).ExecuteAsync(context);
                return;
            }
            catch (ZooKeeperException ex)
            {
                // Only a node's first check reads the keys; without ZooKeeper it cannot tell, and says so.
                await HttpProblems.Problem(StatusCodes.Status503ServiceUnavailable, $"Cannot check the token: ZooKeeper is unreachable ({ex.Message}).").ExecuteAsync(context);
                return;
            }

            if (valid is null)
            {
                if (dashboard)
                {
                    context.Response.Headers.WWWAuthenticate = "Basic realm=\"OrleansHa dashboard\", charset=\"UTF-8\"";
                }

                await HttpProblems.Problem(StatusCodes.Status401Unauthorized, $"Not authenticated: {problem}.").ExecuteAsync(context);
                return;
            }

            context.Items[typeof(ValidToken)] = valid;
            RequestContext.Set(AuthTokens.RequestContextKey, token!);
            Caller.Set(valid.User);
            await next(context);
        });

        app.MapPost(LoginPath, async (LoginRequest? request, HttpContext context, Authenticator authenticator, CancellationToken ct) =>
        {
            try
            {
                IssuedToken issued = await authenticator.LoginAsync(request?.UserName, request?.Password, ClientAddress(context), ct);
                return Results.Json(new { token = issued.Token, userName = issued.User, expires = issued.Expires.ToUnixTimeMilliseconds() });
            }
            catch (AuthenticationFailedException ex)
            {
                return HttpProblems.Problem(StatusCodes.Status401Unauthorized, ex.Message);
            }
            catch (LoginThrottledException ex)
            {
                return new ThrottledResult(ex);
            }
            catch (NoActiveMasterException ex)
            {
                return HttpProblems.NoMaster(ex.Message);
            }
            catch (ZooKeeperException ex)
            {
                return HttpProblems.Problem(StatusCodes.Status503ServiceUnavailable, $"Cannot issue a token: ZooKeeper is unreachable ({ex.Message}).");
            }
        });

        app.MapDelete(LoginPath, async (HttpContext context, TokenService tokens, CancellationToken ct) =>
        {
            try
            {
                await tokens.RevokeAsync((ValidToken)context.Items[typeof(ValidToken)]!, ct);
                return Results.NoContent();
            }
            catch (ZooKeeperException ex)
            {
                return HttpProblems.Problem(StatusCodes.Status503ServiceUnavailable, $"Cannot log out: ZooKeeper is unreachable ({ex.Message}); the token is still valid.");
            }
        });
        app.MapTokenKeyEndpoints();
    }

    /// <summary>The user the request is authenticated as (set once its token checked out).</summary>
    public static string User(this HttpContext context) => ((ValidToken)context.Items[typeof(ValidToken)]!).User;

    private static string? ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();


    private sealed record LoginRequest(string? UserName, string? Password);

    /// <summary>429 with <c>Retry-After</c> in whole seconds.</summary>
    private sealed class ThrottledResult(LoginThrottledException ex) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = LoginThrottledException.WholeSeconds(ex.RetryAfter).ToString(CultureInfo.InvariantCulture);
            return HttpProblems.Problem(StatusCodes.Status429TooManyRequests, ex.Message).ExecuteAsync(httpContext);
        }
    }

    /// <summary>
    /// Basic logins for the dashboard, remembered for a few minutes by a hash of the credentials: a browser sends them
    /// with every request, and checking a slow hash each time would make the dashboard crawl. A remembered login whose
    /// token has since been revoked is checked again.
    /// </summary>
    private sealed class BasicLoginCache
    {
        private static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(5);
        private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> _known = new(StringComparer.Ordinal);

        /// <exception cref="LoginThrottledException">Too many failed logins.</exception>
        public async Task<(string? Token, ValidToken? Valid, string? Problem)> LoginAsync(string encoded, string? address, IServiceProvider services, CancellationToken cancellationToken)
        {
            string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(encoded)));
            if (_known.TryGetValue(key, out var known) && known.Until > DateTimeOffset.UtcNow
                && (await services.GetRequiredService<TokenService>().ValidateAsync(known.Token, cancellationToken)).Token is { } still)
            {
                return (known.Token, still, null);
            }

            return await FreshAsync(key, encoded, address, services.GetRequiredService<Authenticator>(), cancellationToken);
        }

        private async Task<(string? Token, ValidToken? Valid, string? Problem)> FreshAsync(
            string key, string encoded, string? address, Authenticator authenticator, CancellationToken cancellationToken)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                return (null, null, "the Basic credentials are not base64");
            }

            int colon = decoded.IndexOf(':', StringComparison.Ordinal);
            try
            {
                IssuedToken issued = await authenticator.LoginAsync(colon < 0 ? decoded : decoded[..colon], colon < 0 ? null : decoded[(colon + 1)..], address, cancellationToken);
                _known[key] = (issued.Token, DateTimeOffset.UtcNow + RememberFor);
                return (issued.Token, issued.Claims, null);
            }
            catch (Exception ex) when (ex is AuthenticationFailedException or NoActiveMasterException)
            {
                _known.TryRemove(key, out _);
                return (null, null, ex.Message.TrimEnd('.'));
            }
        }
    }
}
