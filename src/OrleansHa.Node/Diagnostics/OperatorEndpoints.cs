using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using OrleansHa.Coordination;
using OrleansHa.Node.Configuration;
using Prometheus;

namespace OrleansHa.Node.Diagnostics;

/// <summary>
/// What operators and their tools poll, on every node and without a login: <c>/metrics</c> (Prometheus text: the
/// <c>OrleansHa</c> meter, Orleans' <c>Microsoft.Orleans</c> meter, the runtime's meters and the process),
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (an Active member of the cluster and, on a
/// coordinator, a master known).
/// </summary>
internal static class OperatorEndpoints
{
    public const string MetricsPath = "/metrics";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    private const string ReadyTag = "ready";

    /// <summary>Paths served without a login: Prometheus, probes and load balancers do not log in.</summary>
    public static bool IsOpen(PathString path) =>
        path.Equals(MetricsPath, StringComparison.OrdinalIgnoreCase)
        || path.Equals(LivePath, StringComparison.OrdinalIgnoreCase)
        || path.Equals(ReadyPath, StringComparison.OrdinalIgnoreCase);

    public static void AddOperatorServices(this IServiceCollection services)
    {
        Metrics.ConfigureMeterAdapter(o =>
        {
            // The longest prometheus-net allows: a histogram that stays still (takeover times) leaves the scrape after
            // a day without data. OrleansHa's counters and gauges are observed at every scrape and never expire.
            o.MetricsExpireAfter = TimeSpan.FromDays(1);

            // The runtime's private QUIC meters say nothing about a node that speaks no QUIC.
            o.InstrumentFilterPredicate = instrument => !instrument.Meter.Name.StartsWith("Private.", StringComparison.Ordinal);
            o.ResolveHistogramBuckets = instrument => instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { } buckets }
                ? [.. buckets]
                : Prometheus.Histogram.ExponentialBuckets(0.001, 2, 16);
        });

        // The runtime's own meters (System.Runtime) say what the event counters would, without a second listener.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true });
        services.AddHostedService<MetricsFeed>();
        services.AddHealthChecks().AddCheck<ReadinessCheck>("cluster", tags: [ReadyTag]);
    }

    public static void MapOperatorEndpoints(this WebApplication app)
    {
        // prometheus-net starts listening to meters at its first scrape; start now, so nothing measured before it is lost.
        Metrics.DefaultRegistry.CollectAndExportAsTextAsync(Stream.Null).GetAwaiter().GetResult();
        app.MapMetrics(MetricsPath);
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
    }

    /// <summary><c>{"status":"Unhealthy","reason":"..."}</c>: a probe's log then says why.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        string? reason = report.Entries.Values.Select(e => e.Description).FirstOrDefault(d => d is not null);
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { status = report.Status.ToString(), reason }));
    }

    /// <summary>Ready: this silo is an Active member, and a coordinator knows the active master.</summary>
    private sealed class ReadinessCheck(
        IClusterMembershipService membership,
        ILocalSiloDetails silo,
        ActiveMasterFollower masters,
        NodeConfiguration config) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            SiloStatus status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
            HealthCheckResult result = status != SiloStatus.Active
                ? HealthCheckResult.Unhealthy($"this silo is {status} in the cluster's membership, not Active")
                : config.CoordinatorEnabled && masters.Current is null
                    ? HealthCheckResult.Unhealthy("no active master is known (a failover may be in progress)")
                    : HealthCheckResult.Healthy($"Active member{(config.CoordinatorEnabled ? $", master epoch {masters.Current!.Epoch} on {masters.Current.NodeName}" : string.Empty)}");
            return Task.FromResult(result);
        }
    }
}
