using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper;

/// <summary>Refuses bad clustering options at startup, before the silo or client tries to connect.</summary>
internal sealed class ZooKeeperClusteringOptionsValidator(IOptions<ZooKeeperClusteringOptions> options, IOptions<ClusterOptions> cluster)
    : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        ZooKeeperClusteringOptions value = options.Value;
        var problems = new List<string>();
        if (!ConnectionString.TryParse(value.ConnectionString, out _, out string? error))
        {
            problems.Add($"{nameof(value.ConnectionString)}: {error}");
        }

        try
        {
            ZooKeeperPath.Validate(value.RootPath);
        }
        catch (InvalidPathException ex)
        {
            problems.Add($"{nameof(value.RootPath)}: {ex.Message}");
        }

        string clusterId = cluster.Value.ClusterId;
        if (string.IsNullOrEmpty(clusterId) || clusterId.Contains('/', StringComparison.Ordinal) || clusterId is "." or "..")
        {
            problems.Add($"ClusterOptions.ClusterId '{clusterId}' cannot name a znode: it must be non-empty, without '/', and not '.' or '..'.");
        }

        if (value.GatewayProbeTimeout < TimeSpan.Zero)
        {
            problems.Add($"{nameof(value.GatewayProbeTimeout)} must be zero (off) or positive; it is {value.GatewayProbeTimeout}.");
        }

        if (value.SessionTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(value.SessionTimeout)} must be positive; it is {value.SessionTimeout}.");
        }

        if (value.ConnectTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(value.ConnectTimeout)} must be positive; it is {value.ConnectTimeout}.");
        }

        if (value.GatewayListRefreshPeriod <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(value.GatewayListRefreshPeriod)} must be positive; it is {value.GatewayListRefreshPeriod}.");
        }

        if (value.DeathWatchPollPeriod <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(value.DeathWatchPollPeriod)} must be positive; it is {value.DeathWatchPollPeriod}.");
        }

        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid {nameof(ZooKeeperClusteringOptions)}: {string.Join(" ", problems)}");
        }
    }
}
