using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

// Usage: OrleansHa.TestSilo <zookeeper> <clusterId> <siloPort> <gatewayPort> [fast|default]
// Prints "READY <silo address>" once the silo is Active, then runs until killed or its stdin closes.
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: OrleansHa.TestSilo <zookeeper> <clusterId> <siloPort> <gatewayPort> [fast|default]");
    return 2;
}

string zooKeeper = args[0];
string clusterId = args[1];
int siloPort = int.Parse(args[2], CultureInfo.InvariantCulture);
int gatewayPort = int.Parse(args[3], CultureInfo.InvariantCulture);
bool fast = args.Length < 5 || args[4] == "fast";

using IHost host = new HostBuilder()
    .ConfigureLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
    .UseOrleans(silo =>
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = clusterId;
            o.ServiceId = "orleansha-test";
        });
        silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
        silo.UseZooKeeperClustering(o =>
        {
            o.ConnectionString = zooKeeper;
            o.SessionTimeout = TimeSpan.FromSeconds(4);
        });
        if (fast)
        {
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
        }
    })
    .Build();

await host.StartAsync();
Console.WriteLine($"READY {host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString()}");

// A test harness that dies closes our stdin: stop then rather than linger.
await Task.Run(() => Console.In.ReadToEnd());
await host.StopAsync();
return 0;
