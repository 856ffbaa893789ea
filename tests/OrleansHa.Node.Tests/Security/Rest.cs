using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansHa.Node.Tests.Security;

/// <summary>Plain HTTP against a node with no login of its own, for tests of the login itself.</summary>
internal static class Rest
{
    public static HttpClient Anonymous { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Logs in (asserting it worked) and returns the token.</summary>
    public static async Task<string> LoginAsync(NodeProcess node, string user, string password)
    {
        using HttpResponseMessage response = await LoginResponseAsync(node, user, password);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"login as {user} on {node.Name}: {(int)response.StatusCode} {body}");
        using JsonDocument json = JsonDocument.Parse(body);
        Assert.Equal(user, json.RootElement.GetProperty("userName").GetString());
        return json.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary><c>POST /apiv2/login</c>, as if through a proxy on this machine for <paramref name="forwardedFor"/> when given.</summary>
    public static Task<HttpResponseMessage> LoginResponseAsync(NodeProcess node, string user, string password, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node.WebUrl + "/apiv2/login"))
        {
            Content = JsonContent.Create(new { userName = user, password }),
        };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return SendDisposingAsync(request);
    }

    public static string Dremio(string token) => "_dremio" + token;

    public static string Basic(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    public static Task<HttpResponseMessage> SendAsync(NodeProcess node, HttpMethod method, string path, string? authorization, object? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(node.WebUrl + path));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return SendDisposingAsync(request);
    }

    /// <summary>Asserts the status and that the body says <paramref name="reason"/>; returns the body.</summary>
    public static async Task<string> ExpectAsync(Task<HttpResponseMessage> sending, HttpStatusCode status, string reason)
    {
        using HttpResponseMessage response = await sending;
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)status}, got {(int)response.StatusCode} {body}");
        Assert.Contains(reason, body, StringComparison.Ordinal);
        return body;
    }

    public static Task<string> ExpectUnauthorizedAsync(Task<HttpResponseMessage> sending, string reason) =>
        ExpectAsync(sending, HttpStatusCode.Unauthorized, reason);

    private static async Task<HttpResponseMessage> SendDisposingAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await Anonymous.SendAsync(request);
        }
    }
}
