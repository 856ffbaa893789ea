using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansHa.Abstractions.Security;
using OrleansHa.Node.Tests.Failover;
using Xunit.Abstractions;

namespace OrleansHa.Node.Tests.Security;

/// <summary>
/// Password guessing on a real node: failures for one user or from one address answer 429 with a growing
/// <c>Retry-After</c>, on REST and on the grain client's login; a failed login takes as long for a name that does not
/// exist as for one that does.
/// </summary>
public sealed class LoginThrottleTests(EnsembleFixture zk, ITestOutputHelper output) : NodeClusterTest(zk)
{
    private const int FreeAttempts = 3;

    [Fact]
    public async Task Failures_for_one_user_answer_429_with_a_growing_Retry_After_even_for_the_right_password()
    {
        NodeProcess node = await StartAsync($"auth.login.throttle.free-attempts={FreeAttempts}", "auth.login.throttle.initial-delay=1s", "auth.login.throttle.max-delay=8s");

        // From a new address each time, so that only the user's count can trip.
        int address = 0;
        string Next() => string.Create(CultureInfo.InvariantCulture, $"10.0.0.{++address}");
        for (int i = 0; i <= FreeAttempts; i++)
        {
            await Rest.ExpectUnauthorizedAsync(Rest.LoginResponseAsync(node, TestCredentials.User, "guess", Next()), "Wrong user name or password");
        }

        int first = await ExpectThrottledAsync(Rest.LoginResponseAsync(node, TestCredentials.User, TestCredentials.Password, Next()));
        Assert.Equal(1, first);

        // Another user is not held up.
        await Rest.ExpectUnauthorizedAsync(Rest.LoginResponseAsync(node, "someone-else", "guess", Next()), "Wrong user name or password");

        // After the wait a guess is looked at again; failing, it doubles the wait.
        HttpStatusCode looked = await WaitUntilLetThroughAsync(node, TestCredentials.User, "guess", Next);
        Assert.Equal(HttpStatusCode.Unauthorized, looked);
        Assert.Equal(2, await ExpectThrottledAsync(Rest.LoginResponseAsync(node, TestCredentials.User, "guess", Next())));

        // The right password works once the wait is over, and clears the count.
        Assert.Equal(HttpStatusCode.OK, await WaitUntilLetThroughAsync(node, TestCredentials.User, TestCredentials.Password, Next));
        await Rest.ExpectUnauthorizedAsync(Rest.LoginResponseAsync(node, TestCredentials.User, "guess", Next()), "Wrong user name or password");
        await Rest.LoginAsync(node, TestCredentials.User, TestCredentials.Password);
    }

    [Fact]
    public async Task Failures_from_one_address_answer_429_for_any_user_there_and_not_elsewhere()
    {
        NodeProcess node = await StartAsync($"auth.login.throttle.free-attempts={FreeAttempts}", "auth.login.throttle.initial-delay=30s");
        for (int i = 0; i <= FreeAttempts; i++)
        {
            await Rest.ExpectUnauthorizedAsync(Rest.LoginResponseAsync(node, $"user{i}", "guess", "10.1.1.1"), "Wrong user name or password");
        }

        Assert.Equal(30, await ExpectThrottledAsync(Rest.LoginResponseAsync(node, TestCredentials.User, TestCredentials.Password, "10.1.1.1")));
        await Rest.ExpectAsync(Rest.LoginResponseAsync(node, TestCredentials.User, TestCredentials.Password, "10.2.2.2"), HttpStatusCode.OK, "token");
    }

    [Fact]
    public async Task The_grain_clients_login_is_throttled_by_user_with_a_typed_error()
    {
        NodeProcess node = await StartAsync($"auth.login.throttle.free-attempts={FreeAttempts}", "auth.login.throttle.initial-delay=30s");
        using IHost host = await StartRawClientAsync();
        ILoginGrain login = host.Services.GetRequiredService<IClusterClient>().GetGrain<ILoginGrain>(0);
        for (int i = 0; i <= FreeAttempts; i++)
        {
            await Assert.ThrowsAsync<AuthenticationFailedException>(() => login.LoginAsync(TestCredentials.User, "guess"));
        }

        var throttled = await Assert.ThrowsAsync<LoginThrottledException>(() => login.LoginAsync(TestCredentials.User, TestCredentials.Password));
        Assert.InRange(throttled.RetryAfter, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
        Assert.Contains("try again in 30 s", throttled.Message, StringComparison.Ordinal);

        // The same count holds on REST: one user, whichever door.
        await ExpectThrottledAsync(Rest.LoginResponseAsync(node, TestCredentials.User, TestCredentials.Password, "10.3.3.3"));
    }

    [Fact]
    public async Task A_failed_login_takes_as_long_whether_or_not_the_user_exists()
    {
        NodeProcess node = await StartAsync("auth.login.throttle.free-attempts=1000");
        const int Rounds = 25;
        var known = new List<double>();
        var unknown = new List<double>();
        await Rest.LoginAsync(node, TestCredentials.User, TestCredentials.Password); // the first login makes the admin
        for (int i = 0; i < Rounds + 3; i++)
        {
            double a = await TimeFailedLoginAsync(node, TestCredentials.User);
            double b = await TimeFailedLoginAsync(node, "no-such-user-" + i.ToString(CultureInfo.InvariantCulture));
            if (i >= 3)
            {
                // The first rounds warm up (JIT, connections); alternating keeps load changes fair to both.
                known.Add(a);
                unknown.Add(b);
            }
        }

        double knownMedian = Median(known);
        double unknownMedian = Median(unknown);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"failed login, median of {Rounds}: existing user {knownMedian:0.0} ms, no such user {unknownMedian:0.0} ms"));
        Assert.InRange(unknownMedian / knownMedian, 0.67, 1.5);
    }

    private async Task<NodeProcess> StartAsync(params string[] settings)
    {
        NodeProcess node = await Cluster.StartAsync("m1", true, settings);
        await NodeCluster.WaitForMasterAsync(node);
        return node;
    }

    private static async Task<double> TimeFailedLoginAsync(NodeProcess node, string user)
    {
        var stopwatch = Stopwatch.StartNew();
        await Rest.ExpectUnauthorizedAsync(Rest.LoginResponseAsync(node, user, "wrong password"), "Wrong user name or password");
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        List<double> sorted = [.. values.Order()];
        return sorted[sorted.Count / 2];
    }

    /// <summary>Asserts 429 with a Retry-After and a message saying so; returns the Retry-After in seconds.</summary>
    private static async Task<int> ExpectThrottledAsync(Task<HttpResponseMessage> sending)
    {
        using HttpResponseMessage response = await sending;
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"expected 429, got {(int)response.StatusCode} {body}");
        Assert.Contains("Too many failed logins", body, StringComparison.Ordinal);
        return (int)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
    }

    /// <summary>Tries <paramref name="password"/> until it is not refused as throttled (bounded by the maximum delay); returns the status then.</summary>
    private static async Task<HttpStatusCode> WaitUntilLetThroughAsync(NodeProcess node, string user, string password, Func<string> address)
    {
        HttpStatusCode status = HttpStatusCode.TooManyRequests;
        await Poll.UntilAsync(
            async () =>
            {
                using HttpResponseMessage response = await Rest.LoginResponseAsync(node, user, password, address());
                status = response.StatusCode;
                return status != HttpStatusCode.TooManyRequests;
            },
            TimeSpan.FromSeconds(10),
            $"logins for {user} to be let through again",
            TimeSpan.FromMilliseconds(100));
        return status;
    }
}
