using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Testing;

/// <summary>The first user and the ZooKeeper identity every test node is configured with.</summary>
public static class TestCredentials
{
    public const string User = "admin";
    public const string Password = "test-admin-password";

    /// <summary>The cluster's ZooKeeper identity (digest scheme) of every test node.</summary>
    public static DigestIdentity ZooKeeperIdentity { get; } = new("orleans-ha-test", "test-zookeeper-secret");

    /// <summary>A file holding <see cref="ZooKeeperIdentity"/> as <c>user:password</c>, mode 0600, for <c>zk.client.auth.file</c>.</summary>
    public static string ZooKeeperAuthFile => AuthFile.Value;

    private static readonly Lazy<string> AuthFile = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"orleansha-test-zookeeper-{Environment.ProcessId}.auth");
        File.WriteAllText(path, string.Empty);
        if (!OperatingSystem.IsWindows())
        {
            // The node refuses an identity file others may read.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(path, $"{ZooKeeperIdentity.User}:{ZooKeeperIdentity.Password}\n");
        return path;
    });

    /// <summary>Options for a session that acts as the cluster's nodes do (it may read the token key and write).</summary>
    public static ZooKeeperClientOptions ZooKeeperOptions(string connectionString) =>
        new() { ConnectionString = connectionString, Identity = ZooKeeperIdentity };

    /// <summary>An HTTP client that logs in to each node it talks to (as <see cref="User"/>) and sends Dremio's token header.</summary>
    public static HttpClient CreateHttpClient(TimeSpan timeout) =>
        new(new LoginHandler(new SocketsHttpHandler())) { Timeout = timeout };
}

/// <summary>
/// Logs in with <c>POST /apiv2/login</c> once per node address and adds <c>Authorization: _dremio&lt;token&gt;</c> to
/// requests that carry none. A 401 (a new cluster on the same port has another key) logs in again once.
/// </summary>
internal sealed class LoginHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private string? _lastToken;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.Authorization is not null || request.RequestUri!.AbsolutePath.StartsWith("/apiv2/", StringComparison.Ordinal))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        if (request.Content is not null)
        {
            // Buffered, so the request can be sent again after a fresh login.
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        string authority = request.RequestUri.GetLeftPart(UriPartial.Authority);
        for (int attempt = 0; ; attempt++)
        {
            // A token works on every coordinator of its cluster: try the last one before logging in, since a login
            // needs a master and this node's cluster may be between masters.
            string? token = _tokens.TryGetValue(authority, out string? known) ? known : attempt == 0 ? Volatile.Read(ref _lastToken) : null;
            if (token is null)
            {
                (token, HttpResponseMessage? refused) = await LoginAsync(authority, cancellationToken);
                if (token is null)
                {
                    // Say why, as the node said it (503 while no master can look the user up).
                    return refused!;
                }
            }

            _tokens[authority] = token;
            Volatile.Write(ref _lastToken, token);

            request.Headers.TryAddWithoutValidation("Authorization", "_dremio" + token);
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Unauthorized || attempt > 0)
            {
                return response;
            }

            response.Dispose();
            request.Headers.Remove("Authorization");
            _tokens.TryRemove(authority, out _);
        }
    }

    private async Task<(string? Token, HttpResponseMessage? Refused)> LoginAsync(string authority, CancellationToken cancellationToken)
    {
        using var login = new HttpRequestMessage(HttpMethod.Post, new Uri(authority + "/apiv2/login"))
        {
            Content = JsonContent.Create(new { userName = TestCredentials.User, password = TestCredentials.Password }),
        };
        HttpResponseMessage response = await base.SendAsync(login, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return (null, response);
        }

        using (response)
        {
            using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return (body.RootElement.GetProperty("token").GetString(), null);
        }
    }
}
