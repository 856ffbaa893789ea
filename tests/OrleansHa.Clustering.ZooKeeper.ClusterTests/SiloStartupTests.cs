using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using OrleansHa.Testing;

namespace OrleansHa.Clustering.ZooKeeper.ClusterTests;

/// <summary>A silo whose ZooKeeper clustering cannot work says so at startup, with the connection string, and stops.</summary>
public sealed class SiloStartupTests
{
    [Fact]
    public async Task A_malformed_connection_string_fails_startup_validation_naming_it()
    {
        using IHost host = BuildSilo("zk1:notaport");
        var error = await Assert.ThrowsAsync<OrleansConfigurationException>(() => host.StartAsync());
        Assert.Contains("zk1:notaport", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_zookeeper_fails_startup_within_the_connect_timeout_naming_the_connection_string()
    {
        string unreachable = $"127.0.0.1:{FreePorts.Allocate()}";
        using IHost host = BuildSilo(unreachable, TimeSpan.FromSeconds(2));
        var stopwatch = Stopwatch.StartNew();
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.IsNotType<TimeoutException>(error);
        Assert.Contains(unreachable, Flatten(error), StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"startup took {stopwatch.Elapsed} to fail");
    }

    private static IHost BuildSilo(string connectionString, TimeSpan? connectTimeout = null) =>
        new HostBuilder()
            .UseOrleans(silo => silo
                .Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = "startup-" + Guid.NewGuid().ToString("N")[..8];
                    o.ServiceId = "startup";
                })
                .ConfigureEndpoints(IPAddress.Loopback, FreePorts.Allocate(), FreePorts.Allocate())
                .UseZooKeeperClustering(o =>
                {
                    o.ConnectionString = connectionString;
                    o.ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(15);
                }))
            .Build();

    private static string Flatten(Exception error)
    {
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
            if (e is AggregateException aggregate)
            {
                messages.AddRange(aggregate.InnerExceptions.Select(Flatten));
            }
        }

        return string.Join(" | ", messages);
    }
}
