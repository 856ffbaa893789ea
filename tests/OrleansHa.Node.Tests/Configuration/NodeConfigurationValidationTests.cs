using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Tests.Configuration;

public sealed class NodeConfigurationValidationTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_wrong_type_names_file_line_key_and_value()
    {
        string path = _files.Write("services {\n  coordinator.web.port: 9047\n  fabric.port: \"abc\"\n}\n");
        ConfigurationException ex = Assert.Throws<ConfigurationException>(
            () => NodeConfiguration.Load(path, ConfigFiles.NoEnvironment, []));
        Assert.Equal($"{path}:3: key 'services.fabric.port': expected a number, got \"abc\"", ex.Message);
        Assert.Equal(path, ex.File);
        Assert.Equal(3, ex.Line);
        Assert.Equal("services.fabric.port", ex.Key);
    }

    [Theory]
    [InlineData("services.coordinator.web.port: 0", "services.coordinator.web.port", "from 1 to 65535, got 0")]
    [InlineData("services.coordinator.client-endpoint.port: 65536", "services.coordinator.client-endpoint.port", "got 65536")]
    [InlineData("services.fabric.port: -1", "services.fabric.port", "got -1")]
    [InlineData("services.fabric.port: 1.5", "services.fabric.port", "expected a whole number, got 1.5")]
    [InlineData("services.fabric.port: [1]", "services.fabric.port", "expected a number, got an array")]
    [InlineData("services.fabric.port { a: 1 }", "services.fabric.port", "expected a number, got an object")]
    [InlineData("services.coordinator.master.embedded-zookeeper.port: 99999", "services.coordinator.master.embedded-zookeeper.port", "got 99999")]
    [InlineData("services.flight.port: 70000", "services.flight.port", "got 70000")]
    [InlineData("zk.client.session.timeout: 0", "zk.client.session.timeout", "must be positive, got 0")]
    [InlineData("zk.client.session.timeout: -5s", "zk.client.session.timeout", "must be positive")]
    [InlineData("zk.client.session.timeout: soon", "zk.client.session.timeout", "expected a duration")]
    [InlineData("zookeeper: \"zk1:abc\"", "zookeeper", "Invalid ZooKeeper connection string 'zk1:abc'")]
    [InlineData("zookeeper: \"\"", "zookeeper", "Invalid ZooKeeper connection string")]
    [InlineData("zookeeper: { host: x }", "zookeeper", "expected a string, got an object")]
    [InlineData("paths { local: relative/dir, db: /db, dist: /dist }", "paths.local", "must be an absolute path, got \"relative/dir\"")]
    [InlineData("paths.db: db", "paths.db", "must be an absolute path")]
    [InlineData("paths.dist: \"pdfs:///tmp/dist\"", "paths.dist", "must be an absolute path")]
    [InlineData("services.coordinator.enabled: maybe", "services.coordinator.enabled", "expected a boolean (true or false), got \"maybe\"")]
    [InlineData("services.executor.enabled: null", "services.executor.enabled", "expected a boolean (true or false), got null")]
    [InlineData("cluster.id: \"a/b\"", "cluster.id", "one ZooKeeper node name")]
    [InlineData("cluster.id: \"\"", "cluster.id", "one ZooKeeper node name")]
    [InlineData("node.name: \" \"", "node.name", "must not be empty")]
    [InlineData("node.address: \"not an address\"", "node.address", "host name or an IP address")]
    [InlineData("services: 5", "services", "expected an object, got 5")]
    [InlineData("services.coordinator: true", "services.coordinator", "expected an object, got true")]
    public void Each_rule_reports_the_line_and_key_at_fault(string line, string key, string detail)
    {
        ConfigurationException ex = _files.LoadError("# a node\n" + line + "\n");
        ConfigurationProblem problem = Assert.Single(ex.Problems);
        Assert.Equal(2, problem.Origin!.Line);
        Assert.Equal(key, problem.Key);
        Assert.Contains(detail, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_typo_under_services_is_reported_with_its_line_and_a_suggestion()
    {
        string path = _files.Write("services {\n  coordinator.web.port: 9047\n}\nservices.fabirc.port: 45679\n");
        ConfigurationException ex = Assert.Throws<ConfigurationException>(
            () => NodeConfiguration.Load(path, ConfigFiles.NoEnvironment, []));
        Assert.Equal(4, ex.Line);
        Assert.Equal("services.fabirc.port", ex.Key);
        Assert.Equal($"{path}:4: key 'services.fabirc.port': no such setting; did you mean 'services.fabric.port'?", ex.Message);
    }

    [Theory]
    [InlineData("paths.locl: /x", "paths.locl", "did you mean 'paths.local'?")]
    [InlineData("zk.client.session.timout: 1", "zk.client.session.timout", "did you mean 'zk.client.session.timeout'?")]
    [InlineData("services.flight.prot: 32010", "services.flight.prot", "did you mean 'services.flight.port'?")]
    [InlineData("services { coordinator { master { embedded-zookeper.enabled: false } } }", "services.coordinator.master.embedded-zookeper.enabled", "did you mean 'services.coordinator.master.embedded-zookeeper.enabled'?")]
    [InlineData("node.nmae: x", "node.nmae", "did you mean 'node.name'?")]
    [InlineData("servces.fabric.port: 1", "servces", "did you mean 'services'?")]
    [InlineData("zookeper: \"zk:2181\"", "zookeper", "did you mean 'zookeeper'?")]
    [InlineData("services.extra {}", "services.extra", "no such setting")]
    public void Unknown_keys_are_errors(string line, string key, string detail)
    {
        ConfigurationException ex = _files.LoadError("\n" + line + "\n");
        ConfigurationProblem problem = Assert.Single(ex.Problems);
        Assert.Equal(2, problem.Origin!.Line);
        Assert.Equal(key, problem.Key);
        Assert.Contains(detail, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_master_without_a_coordinator_is_refused_with_dremios_message()
    {
        string path = _files.Write("services.coordinator.master.enabled: true\nservices.coordinator.enabled: false\n");
        ConfigurationException ex = Assert.Throws<ConfigurationException>(
            () => NodeConfiguration.Load(path, ConfigFiles.NoEnvironment, []));
        ConfigurationProblem problem = Assert.Single(ex.Problems);
        Assert.StartsWith("A master node must also operate as a coordinator", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("services.coordinator.enabled", problem.Key);
        Assert.Equal(2, problem.Origin!.Line);
        Assert.Contains($"{path}:1", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_master_setting_also_makes_a_coordinatorless_node_an_error()
    {
        ConfigurationException ex = _files.LoadError("services.coordinator.enabled: false\n");
        Assert.Contains("A master node must also operate as a coordinator", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_executor_only_node_ignores_the_embedded_zookeeper()
    {
        NodeConfiguration config = _files.Load("""
            services.coordinator.enabled: false
            services.coordinator.master.enabled: false
            services.coordinator.master.embedded-zookeeper.enabled: true
            services.coordinator.master.embedded-zookeeper.port: 45678
            """);
        Assert.Equal(new HashSet<string> { NodeRoles.Executor }, config.Roles);
        Assert.False(config.EmbeddedZooKeeperEnabled);
    }

    [Fact]
    public void A_node_must_run_a_coordinator_or_an_executor()
    {
        ConfigurationException ex = _files.LoadError(
            "services.coordinator.master.enabled: false\nservices.coordinator.enabled: false\nservices.executor.enabled: false\n");
        ConfigurationProblem problem = Assert.Single(ex.Problems);
        Assert.Equal("services.executor.enabled", problem.Key);
        Assert.Equal(3, problem.Origin!.Line);
        Assert.Contains("a coordinator, an executor or both", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Ports_of_one_node_must_differ()
    {
        ConfigurationException ex = _files.LoadError("services.fabric.port: 9047\n");
        ConfigurationProblem problem = Assert.Single(ex.Problems);
        Assert.Equal("services.fabric.port", problem.Key);
        Assert.Equal(1, problem.Origin!.Line);
        Assert.Contains("port 9047 is also services.coordinator.web.port (set at defaults)", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_flight_port_counts_only_on_a_coordinator()
    {
        ConfigurationException ex = _files.LoadError("services.flight.port: 9047\n");
        Assert.Equal("services.flight.port", ex.Key);
        Assert.Contains("port 9047 is also services.coordinator.web.port", ex.Message, StringComparison.Ordinal);

        const string Executor = "services { coordinator.enabled: false, coordinator.master.enabled: false, flight.port: 9047 }\n";
        Assert.Equal(9047, NodeConfiguration.Load(_files.Write(Executor), ConfigFiles.NoEnvironment, []).FlightPort);
    }

    [Fact]
    public void The_embedded_zookeeper_port_counts_only_where_it_runs()
    {
        ConfigurationException ex = _files.LoadError("services.coordinator.client-endpoint.port: 2181\n");
        Assert.Equal("services.coordinator.master.embedded-zookeeper.port", ex.Key);

        Assert.Equal(2181, _files.Load("services.coordinator.client-endpoint.port: 2181\nservices.coordinator.master.embedded-zookeeper.enabled: false\n").ClientEndpointPort);
        Assert.Equal(2181, _files.Load("services.coordinator.client-endpoint.port: 2181\nservices.coordinator.master.enabled: false\n").ClientEndpointPort);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_line_order()
    {
        string path = _files.Write("""
            paths.local: relative
            services {
              fabirc.port: 1
              coordinator.web.port: 0
              fabric.port: 31010
            }
            zookeeper: "a:b:c"
            """);
        ConfigurationException ex = Assert.Throws<ConfigurationException>(
            () => NodeConfiguration.Load(path, ConfigFiles.NoEnvironment, []));

        // paths.db and paths.dist follow paths.local and are relative too: reported at the defaults that build them.
        Assert.Equal(
            [
                (1, "paths.local"),
                (3, "services.fabirc.port"),
                (4, "services.coordinator.web.port"),
                (5, "services.fabric.port"),
                (7, "zookeeper"),
                (0, "paths.db"),
                (0, "paths.dist"),
            ],
            ex.Problems.Select(p => (p.Origin?.Line ?? 0, p.Key!)));
        Assert.StartsWith("The configuration has 7 problems:", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:3: key 'services.fabirc.port'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("defaults: key 'paths.db': must be an absolute path, got \"relative/db\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_from_the_command_line_and_the_environment_say_so()
    {
        ConfigurationException cli = Assert.Throws<ConfigurationException>(() => NodeConfiguration.Load(
            null, ConfigFiles.NoEnvironment, ["--set", "services.fabric.port=abc"]));
        Assert.Equal("command line (--set services.fabric.port=abc): key 'services.fabric.port': expected a number, got \"abc\"", cli.Message);
        Assert.Null(cli.File);
        Assert.Null(cli.Line);

        ConfigurationException env = Assert.Throws<ConfigurationException>(() => NodeConfiguration.Load(
            null, ConfigFiles.Env(("ORLEANSHA__services__fabirc__port", "1")), []));
        Assert.Equal(
            "environment (ORLEANSHA__services__fabirc__port): key 'services.fabirc.port': no such setting; did you mean 'services.fabric.port'?",
            env.Message);
    }

    [Fact]
    public void A_bad_value_from_an_environment_substitution_points_at_the_substitution()
    {
        ConfigurationException ex = _files.LoadError("\nservices.fabric.port: ${?FABRIC_PORT}\n", ConfigFiles.Env(("FABRIC_PORT", "x")));
        Assert.Equal(2, ex.Line);
        Assert.Equal("services.fabric.port", ex.Key);
        Assert.EndsWith("expected a number, got \"x\"", ex.Message, StringComparison.Ordinal);
    }
}
