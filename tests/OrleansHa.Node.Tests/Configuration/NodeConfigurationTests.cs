using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Tests.Configuration;

public sealed class NodeConfigurationTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Defaults_alone_make_a_node_that_plays_every_role()
    {
        NodeConfiguration config = NodeConfiguration.Load(null, ConfigFiles.NoEnvironment, []);

        Assert.Equal("/tmp/orleans-ha", config.PathsLocal);
        Assert.Equal("/tmp/orleans-ha/db", config.PathsDb);
        Assert.Equal("/tmp/orleans-ha/dist", config.PathsDist);
        Assert.Equal("localhost:2181", config.ZooKeeper);
        Assert.Equal("localhost", config.ZooKeeperConnectionString.Hosts[0].Host);
        Assert.Equal(TimeSpan.FromMilliseconds(10000), config.SessionTimeout);
        Assert.True(config.CoordinatorEnabled);
        Assert.True(config.MasterEnabled);
        Assert.True(config.EmbeddedZooKeeperEnabled);
        Assert.Equal(2181, config.EmbeddedZooKeeperPort);
        Assert.Equal(9047, config.WebPort);
        Assert.Equal(31010, config.ClientEndpointPort);
        Assert.Equal(45678, config.FabricPort);
        Assert.Equal(32010, config.FlightPort);
        Assert.True(config.ExecutorEnabled);
        Assert.Equal("orleans-ha", config.ClusterId);
        Assert.Equal(Environment.MachineName, config.NodeName);
        Assert.Equal("127.0.0.1", config.NodeAddress);
        Assert.Equal(new HashSet<string> { "master", "coordinator", "executor" }, config.Roles);
    }

    [Fact]
    public void The_first_user_and_token_lifetime_come_from_auth_keys_and_the_password_has_no_default()
    {
        NodeConfiguration defaults = NodeConfiguration.Load(null, ConfigFiles.NoEnvironment, []);
        Assert.Equal("admin", defaults.AdminUser);
        Assert.Null(defaults.AdminPassword);
        Assert.Equal(TimeSpan.FromHours(30), defaults.TokenLifetime);

        NodeConfiguration set = _files.Load(
            "auth { admin.user: root, token.lifetime: 15m }", ConfigFiles.Env(("ORLEANSHA__auth__admin__password", "s3cret")));
        Assert.Equal("root", set.AdminUser);
        Assert.Equal("s3cret", set.AdminPassword);
        Assert.Equal(TimeSpan.FromMinutes(15), set.TokenLifetime);

        var typo = Assert.Throws<ConfigurationException>(() => _files.Load("auth.admin.pasword: x"));
        Assert.Contains("auth.admin.password", typo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_gives_the_defaults()
    {
        NodeConfiguration config = _files.Load(string.Empty);
        Assert.Equal(9047, config.WebPort);
        Assert.Equal(3, config.Roles.Count);
    }

    [Fact]
    public void Derived_paths_follow_paths_local_from_the_file_the_environment_or_the_command_line()
    {
        Assert.Equal("/file/db", _files.Load("paths.local: /file").PathsDb);
        Assert.Equal("/env/dist", _files.Load("paths.local: /file", ConfigFiles.Env(("ORLEANSHA__paths__local", "/env"))).PathsDist);
        Assert.Equal("/cli/db", _files.Load("paths.local: /file", null, "--set", "paths.local=/cli").PathsDb);
        Assert.Equal("/explicit", _files.Load("paths { local: /file, db: /explicit }").PathsDb);
    }

    [Fact]
    public void Command_line_beats_environment_beats_file_beats_defaults()
    {
        const string File = "services.coordinator.web.port: 1001\n";
        Dictionary<string, string> environment = ConfigFiles.Env(("ORLEANSHA__services__coordinator__web__port", "1002"));
        string[] commandLine = ["--set", "services.coordinator.web.port=1003"];

        Assert.Equal(1003, _files.Load(File, environment, commandLine).WebPort);
        Assert.Equal(1002, _files.Load(File, environment).WebPort);
        Assert.Equal(1001, _files.Load(File).WebPort);
        Assert.Equal(1003, NodeConfiguration.Load(null, environment, commandLine).WebPort);
        Assert.Equal(9047, NodeConfiguration.Load(null, ConfigFiles.NoEnvironment, []).WebPort);
    }

    [Fact]
    public void Environment_names_match_keys_ignoring_case_with_underscore_for_dash()
    {
        NodeConfiguration config = NodeConfiguration.Load(null, ConfigFiles.Env(
            ("ORLEANSHA__SERVICES__COORDINATOR__MASTER__EMBEDDED_ZOOKEEPER__PORT", "2182"),
            ("OrleansHa__Services__Coordinator__Client_Endpoint__Port", "31011"),
            ("orleansha__services__executor__enabled", "false"),
            ("ORLEANSHA__ZK__CLIENT__SESSION__TIMEOUT", "15s"),
            ("ORLEANSHA__ZOOKEEPER", "zk1:2181,zk2:2181/ha"),
            ("ORLEANSHA__node__name", "node #1"),
            ("ORLEANSHA_NOT_OURS", "x"),
            ("PATH", "/usr/bin")), []);

        Assert.Equal(2182, config.EmbeddedZooKeeperPort);
        Assert.Equal(31011, config.ClientEndpointPort);
        Assert.False(config.ExecutorEnabled);
        Assert.Equal(TimeSpan.FromSeconds(15), config.SessionTimeout);
        Assert.Equal("zk1:2181,zk2:2181/ha", config.ZooKeeper);
        Assert.Equal("node #1", config.NodeName);
    }

    [Fact]
    public void Environment_objects_merge_and_a_more_specific_variable_wins()
    {
        NodeConfiguration config = NodeConfiguration.Load(null, ConfigFiles.Env(
            ("ORLEANSHA__services__fabric", "{ port: 1111 }"),
            ("ORLEANSHA__services__coordinator", "{ web.port: 2222, client-endpoint.port: 3333 }"),
            ("ORLEANSHA__services__coordinator__web__port", "4444")), []);
        Assert.Equal(1111, config.FabricPort);
        Assert.Equal(4444, config.WebPort);
        Assert.Equal(3333, config.ClientEndpointPort);
    }

    [Fact]
    public void Two_variables_for_one_key_are_an_error()
    {
        ConfigurationException ex = Assert.Throws<ConfigurationException>(() => NodeConfiguration.Load(null, ConfigFiles.Env(
            ("ORLEANSHA__services__fabric__port", "1"),
            ("ORLEANSHA__SERVICES__FABRIC__PORT", "2")), []));
        Assert.Equal("services.fabric.port", ex.Key);
        Assert.Contains("is also set by the environment variable", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Optional_environment_substitutions_in_the_file()
    {
        const string File = "zookeeper: ${?ZK_CONNECT}\nservices.fabric.port: ${?FABRIC_PORT}\nnode.name: ${?HOSTNAME}\"-node\"\n";
        NodeConfiguration set = _files.Load(File, ConfigFiles.Env(("ZK_CONNECT", "zk9:2181"), ("FABRIC_PORT", "45000"), ("HOSTNAME", "box")));
        NodeConfiguration unset = _files.Load(File);

        Assert.Equal("zk9:2181", set.ZooKeeper);
        Assert.Equal(45000, set.FabricPort);
        Assert.Equal("box-node", set.NodeName);
        Assert.Equal("localhost:2181", unset.ZooKeeper);
        Assert.Equal(45678, unset.FabricPort);
        Assert.Equal("-node", unset.NodeName);
    }

    [Fact]
    public void Set_values_are_hocon_values_or_else_verbatim_strings()
    {
        NodeConfiguration config = _files.Load(string.Empty, null,
            "--set", "services.coordinator.web.port=9048",
            "--set=services.executor.enabled=false",
            "--set", "zookeeper=zk1:2181,zk2:2181/orleans-ha",
            "--set", "node.name=\"quoted # name\"",
            "--set", "cluster.id=abc#1",
            "--set", "paths.dist=${paths.local}\"/results\"",
            "--set", "services.fabric.port = 45000");

        Assert.Equal(9048, config.WebPort);
        Assert.False(config.ExecutorEnabled);
        Assert.Equal("zk1:2181,zk2:2181/orleans-ha", config.ZooKeeper);
        Assert.Equal("quoted # name", config.NodeName);
        Assert.Equal("abc#1", config.ClusterId);
        Assert.Equal("/tmp/orleans-ha/results", config.PathsDist);
        Assert.Equal(45000, config.FabricPort);
    }

    [Fact]
    public void A_later_set_wins()
    {
        NodeConfiguration config = NodeConfiguration.Load(null, ConfigFiles.NoEnvironment,
            ["--set", "services.fabric.port=1", "--set", "services.fabric.port=2"]);
        Assert.Equal(2, config.FabricPort);
    }

    [Fact]
    public void Config_switch_names_the_file_and_wins_over_the_argument()
    {
        string argumentFile = _files.Write("services.fabric.port: 1111", "argument.conf");
        string switchFile = _files.Write("services.fabric.port: 2222", "switch.conf");

        Assert.Equal(1111, NodeConfiguration.Load(argumentFile, ConfigFiles.NoEnvironment, []).FabricPort);
        Assert.Equal(2222, NodeConfiguration.Load(argumentFile, ConfigFiles.NoEnvironment, ["--config", switchFile]).FabricPort);
        Assert.Equal(2222, NodeConfiguration.Load(null, ConfigFiles.NoEnvironment, [$"--config={switchFile}"]).FabricPort);
    }

    [Fact]
    public void A_missing_named_file_is_an_error_naming_it()
    {
        string path = Path.Combine(_files.Directory, "nope.conf");
        ConfigurationException fromArgument = Assert.Throws<ConfigurationException>(
            () => NodeConfiguration.Load(path, ConfigFiles.NoEnvironment, []));
        ConfigurationException fromSwitch = Assert.Throws<ConfigurationException>(
            () => NodeConfiguration.Load(null, ConfigFiles.NoEnvironment, ["--config", path]));

        Assert.Equal(path, fromArgument.File);
        Assert.Contains(path, fromArgument.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", fromArgument.Message, StringComparison.Ordinal);
        Assert.Equal(path, fromSwitch.File);
    }

    [Theory]
    [InlineData(new[] { "--set" }, "--set needs key=value")]
    [InlineData(new[] { "--config" }, "--config needs a file name")]
    [InlineData(new[] { "--set", "services.fabric.port" }, "is not key=value")]
    [InlineData(new[] { "--set", "a..b=1" }, "is not a key")]
    [InlineData(new[] { "--set", "a={b: 1" }, "does not parse")]
    [InlineData(new[] { "--verbose" }, "unknown argument '--verbose'")]
    [InlineData(new[] { "--config", "a.conf", "--config", "b.conf" }, "--config is given twice")]
    public void Bad_command_lines_are_errors(string[] commandLine, string detail)
    {
        ConfigurationException ex = Assert.Throws<ConfigurationException>(
            () => NodeConfiguration.Load(null, ConfigFiles.NoEnvironment, commandLine));
        Assert.StartsWith("command line", ex.Message, StringComparison.Ordinal);
        Assert.Contains(detail, ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.File);
        Assert.Null(ex.Line);
    }

    [Fact]
    public void Command_line_and_environment_problems_are_reported_together()
    {
        ConfigurationException ex = Assert.Throws<ConfigurationException>(() => NodeConfiguration.Load(null,
            ConfigFiles.Env(("ORLEANSHA____x", "1")), ["--bogus", "--set", "nokey"]));
        Assert.Equal(3, ex.Problems.Count);
    }

    [Fact]
    public void Other_top_level_keys_are_allowed_and_readable()
    {
        NodeConfiguration config = _files.Load("orleans { membership.probe-timeout: 2s }\nfeatures: [a, b]\n");
        Assert.Equal("2s", config.Config.GetString("orleans.membership.probe-timeout"));
        Assert.Equal(["a", "b"], config.Config.GetStringList("features"));
        Assert.Equal(45678, config.Config.GetInt("services.fabric.port"));
    }

    [Fact]
    public void Session_timeout_takes_milliseconds_or_a_unit()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(2500), _files.Load("zk.client.session.timeout: 2500").SessionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), _files.Load("zk.client.session.timeout: 30s").SessionTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), _files.Load("zk.client.session.timeout: 1 minute").SessionTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), _files.Load("zk.client.session.timeout: \"1500ms\"").SessionTimeout);
    }

    [Fact]
    public void Booleans_may_be_strings_as_environment_variables_are()
    {
        NodeConfiguration config = _files.Load("services.executor.enabled: \"no\"\nservices.coordinator.master.enabled: off\n");
        Assert.False(config.ExecutorEnabled);
        Assert.False(config.MasterEnabled);
        Assert.False(config.EmbeddedZooKeeperEnabled);
        Assert.Equal(new HashSet<string> { "coordinator" }, config.Roles);
    }
}
