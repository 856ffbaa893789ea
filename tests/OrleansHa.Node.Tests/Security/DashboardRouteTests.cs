using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using OrleansHa.Node.Configuration;
using OrleansHa.Node.Tests.Failover;
using Xunit.Abstractions;

namespace OrleansHa.Node.Tests.Security;

/// <summary>
/// Every route the node maps, the dashboard's pages and the JSON they fetch included, as the node itself lists them
/// (its web application built in this process, not started): without a login each answers 401 on a real node, but
/// for those open by design.
/// </summary>
public sealed class DashboardRouteTests(EnsembleFixture zk, ITestOutputHelper output) : NodeClusterTest(zk)
{
    // Not following redirects: "/dashboard" redirects to "/dashboard/", and a redirect drops the Authorization header.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Every_route_of_the_node_and_its_dashboard_needs_a_login()
    {
        IReadOnlyList<(string Method, string Path)> routes = await RoutesOfTheNodeAsync();
        Assert.True(routes.Count(r => r.Path.StartsWith("/dashboard", StringComparison.Ordinal)) >= 20, string.Join('\n', routes));
        NodeProcess node = await Cluster.StartAsync("m1");
        await NodeCluster.WaitForMasterAsync(node);

        // Open by design: Dremio's status and login, and what Prometheus, probes and load balancers read without a login.
        var open = new HashSet<(string, string)>
        {
            ("GET", "/apiv2/server_status"),
            ("POST", "/apiv2/login"),
            ("GET", Diagnostics.OperatorEndpoints.MetricsPath),
            ("GET", Diagnostics.OperatorEndpoints.LivePath),
            ("GET", Diagnostics.OperatorEndpoints.ReadyPath),
        };
        foreach ((string method, string path) in routes.Where(r => !open.Contains(r)))
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(node.WebUrl + path));
            using HttpResponseMessage response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} without a login: {(int)response.StatusCode}");
        }

        // The same routes are there: with a login each dashboard page and its data answer something other than 401.
        string basic = Rest.Basic(TestCredentials.User, TestCredentials.Password);
        foreach ((string method, string path) in routes.Where(r => r.Method == "GET" && r.Path.StartsWith("/dashboard", StringComparison.Ordinal)))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.WebUrl + path));
            request.Headers.TryAddWithoutValidation("Authorization", basic);
            using HttpResponseMessage response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.StatusCode != HttpStatusCode.Unauthorized, $"{method} {path} with a login: 401");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{routes.Count} routes walked, {routes.Count(r => r.Path.StartsWith("/dashboard", StringComparison.Ordinal))} of them the dashboard's"));
    }

    /// <summary>Each route the node's web application maps, with sample values for its parameters.</summary>
    private static async Task<IReadOnlyList<(string Method, string Path)>> RoutesOfTheNodeAsync()
    {
        NodeConfiguration config = NodeConfiguration.Load(null, new Dictionary<string, string>(), ["--set", "services.coordinator.master.embedded-zookeeper.enabled=false"]);
        await using WebApplication app = NodeHost.Build(config);
        return
        [
            .. ((IEndpointRouteBuilder)app).DataSources
                .SelectMany(source => source.Endpoints)
                .OfType<RouteEndpoint>()
                .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                    .Select(method => (method, SamplePath(endpoint.RoutePattern))))
                .Distinct()
                .OrderBy(r => r.Item2, StringComparer.Ordinal),
        ];
    }

    private static string SamplePath(RoutePattern pattern)
    {
        IEnumerable<string> segments = pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart { IsCatchAll: true } => "a/b",
            RoutePatternParameterPart parameter when parameter.ParameterPolicies.Any(p => p.Content == "int") => "1",
            RoutePatternParameterPart parameter when parameter.Name == "id" => Guid.NewGuid().ToString("D"),
            RoutePatternParameterPart => "x",
            _ => string.Empty,
        })));
        return "/" + string.Join('/', segments);
    }
}
