using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Tests.Configuration;

public sealed class SampleConfigTests : IDisposable
{
    /// <summary>The example in ARCHITECTURE.md §6, verbatim.</summary>
    public const string ArchitectureSample = """
        paths: { local: "/var/lib/orleans-ha", db: ${paths.local}"/db", dist: ${paths.local}"/dist" }
        zookeeper: "zk1:2181,zk2:2181,zk3:2181/orleans-ha"
        zk.client.session.timeout: 10000
        services: {
          coordinator.enabled: true
          coordinator.master.enabled: true
          coordinator.master.embedded-zookeeper.enabled: false
          coordinator.web.port: 9047                  # REST API, web pages, dashboard
          coordinator.client-endpoint.port: 31010     # Orleans gateway port for grain clients
          fabric.port: 45678                          # Orleans silo-to-silo port
          executor.enabled: false
        }

        """;

    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void The_architecture_sample_loads()
    {
        NodeConfiguration config = _files.Load(ArchitectureSample);

        Assert.Equal("/var/lib/orleans-ha", config.PathsLocal);
        Assert.Equal("/var/lib/orleans-ha/db", config.PathsDb);
        Assert.Equal("/var/lib/orleans-ha/dist", config.PathsDist);
        Assert.Equal("zk1:2181,zk2:2181,zk3:2181/orleans-ha", config.ZooKeeper);
        Assert.Equal(3, config.ZooKeeperConnectionString.Hosts.Count);
        Assert.Equal("/orleans-ha", config.ZooKeeperConnectionString.Chroot);
        Assert.Equal(TimeSpan.FromSeconds(10), config.SessionTimeout);
        Assert.True(config.CoordinatorEnabled);
        Assert.True(config.MasterEnabled);
        Assert.False(config.EmbeddedZooKeeperEnabled);
        Assert.Equal(9047, config.WebPort);
        Assert.Equal(31010, config.ClientEndpointPort);
        Assert.Equal(45678, config.FabricPort);
        Assert.False(config.ExecutorEnabled);
        Assert.Equal(new HashSet<string> { NodeRoles.Master, NodeRoles.Coordinator }, config.Roles);
        Assert.Equal("orleans-ha", config.ClusterId);
        Assert.Equal(Environment.MachineName, config.NodeName);
        Assert.Equal("127.0.0.1", config.NodeAddress);
    }

    [Fact]
    public void The_architecture_sample_in_braces_and_with_equals_loads_the_same()
    {
        string variant = "{\n" + ArchitectureSample.Replace(": ", " = ", StringComparison.Ordinal)
            .Replace("services = {", "services {", StringComparison.Ordinal) + "}\n";
        NodeConfiguration config = _files.Load(variant);
        Assert.Equal("/var/lib/orleans-ha/db", config.PathsDb);
        Assert.Equal(new HashSet<string> { NodeRoles.Master, NodeRoles.Coordinator }, config.Roles);
    }
}
