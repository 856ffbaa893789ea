using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Tests.Configuration;

/// <summary>The cluster's ZooKeeper identity: from a private file or a key in a file or the environment, never the command line.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ZooKeeperIdentityConfigTests : IDisposable
{
    private const string Secret = "p4ss:word";
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void The_identity_is_read_from_a_file_only_its_owner_may_read()
    {
        string file = PrivateFile($"orleans-ha:{Secret}\n");
        NodeConfiguration config = _files.Load($"zk.client.auth.file: \"{file}\"\nservices.coordinator.master.enabled: false");
        Assert.Equal("orleans-ha", config.ZooKeeperIdentity!.User);
        Assert.Equal(Secret, config.ZooKeeperIdentity.Password);
        StartupChecks.Run(config);
    }

    [Fact]
    public void The_identity_may_come_from_the_environment_or_the_file()
    {
        NodeConfiguration fromEnvironment = _files.Load(string.Empty, ConfigFiles.Env(("ORLEANSHA__zk__client__auth__digest", $"env:{Secret}")));
        Assert.Equal("env", fromEnvironment.ZooKeeperIdentity!.User);
        NodeConfiguration fromFile = _files.Load($"zk.client.auth.digest: \"file:{Secret}\"");
        Assert.Equal("file", fromFile.ZooKeeperIdentity!.User);
    }

    [Fact]
    public void The_identity_on_the_command_line_is_refused_without_repeating_it()
    {
        ConfigurationException ex = _files.LoadError(string.Empty, null, "--set", $"zk.client.auth.digest=cli:{Secret}");
        Assert.Contains("key 'zk.client.auth.digest': must not be given on the command line", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_others_may_read_is_refused()
    {
        string file = _files.Write($"orleans-ha:{Secret}", "open.auth");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        ConfigurationException ex = _files.LoadError($"zk.client.auth.file: \"{file}\"");
        Assert.Contains($"'{file}' may be read by other users of the machine", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-colon")]
    [InlineData(":no-user")]
    [InlineData("no-password:")]
    [InlineData("")]
    public void A_file_that_is_not_user_colon_password_is_refused_without_repeating_it(string content)
    {
        string file = PrivateFile(content);
        ConfigurationException ex = _files.LoadError($"zk.client.auth.file: \"{file}\"");
        Assert.Contains("must hold the cluster's ZooKeeper identity as 'user:password'", ex.Message, StringComparison.Ordinal);
        if (content.Length > 0)
        {
            Assert.DoesNotContain(content, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_missing_file_and_both_keys_are_refused()
    {
        string missing = Path.Combine(_files.Directory, "missing.auth");
        Assert.Contains($"cannot read '{missing}'", _files.LoadError($"zk.client.auth.file: \"{missing}\"").Message, StringComparison.Ordinal);
        string file = PrivateFile($"a:{Secret}");
        Assert.Contains("set either zk.client.auth.file or zk.client.auth.digest, not both",
            _files.LoadError($"zk.client.auth.file: \"{file}\"\nzk.client.auth.digest: \"b:{Secret}\"").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_without_an_identity_does_not_start()
    {
        NodeConfiguration config = _files.Load(string.Empty);
        Assert.Null(config.ZooKeeperIdentity);
        ConfigurationException ex = Assert.Throws<ConfigurationException>(() => StartupChecks.Run(config));
        Assert.Contains("needs the cluster's ZooKeeper identity", ex.Message, StringComparison.Ordinal);
        Assert.Contains("zk.client.auth.file", ex.Message, StringComparison.Ordinal);
    }

    private string PrivateFile(string content)
    {
        string file = _files.Write(content, Guid.NewGuid().ToString("N") + ".auth");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return file;
    }
}
