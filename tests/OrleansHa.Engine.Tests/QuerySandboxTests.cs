namespace OrleansHa.Engine.Tests;

public sealed class QuerySandboxTests(QueryFiles files) : IClassFixture<QueryFiles>
{
    [Fact]
    public void Directories_get_a_trailing_slash_and_lose_dot_segments()
    {
        Assert.Equal(files.Data + "/", QuerySandbox.NormalizeDirectory(files.Data));
        Assert.Equal(files.Data + "/", QuerySandbox.NormalizeDirectory(files.Data + "/"));
        Assert.Equal(files.Data + "/", QuerySandbox.NormalizeDirectory(files.Data + "/./parts/.."));
        Assert.Equal("/no/such/dir/", QuerySandbox.NormalizeDirectory("/no/such/./dir"));
    }

    [Fact]
    public void A_directory_reached_through_a_symbolic_link_is_resolved()
    {
        var alias = Path.Combine(files.Root, "alias");
        Directory.CreateSymbolicLink(alias, "data"); // relative target

        Assert.Equal(files.Data + "/", QuerySandbox.NormalizeDirectory(alias));
        Assert.Equal(files.Data + "/parts/", QuerySandbox.NormalizeDirectory(alias + "/parts"));
        Assert.Equal(files.Outside + "/", QuerySandbox.NormalizeDirectory(files.Data + "/links/outside-dir"));
        Assert.Equal(files.Root + "/", QuerySandbox.NormalizeDirectory(files.Data + "/links/outside-dir/.."));
    }

    [Fact]
    public async Task A_sandbox_given_a_link_reads_through_the_link_and_the_target()
    {
        var alias = Path.Combine(files.Root, "alias-for-query");
        Directory.CreateSymbolicLink(alias, files.Data);
        var sandbox = files.Sandbox() with { AllowedDirectories = [alias] };

        Assert.Equal([files.Data + "/"], sandbox.AllowedDirectories);
        Assert.Equal(3, (await QueryFiles.RowsAsync($"SELECT * FROM '{alias}/people.csv'", sandbox)).Count);
        Assert.Equal(3, (await QueryFiles.RowsAsync($"SELECT * FROM '{files.Data}/people.csv'", sandbox)).Count);
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new QuerySandbox { AllowedDirectories = ["relative/dir"] });
        Assert.Throws<ArgumentException>(() => new QuerySandbox { AllowedDirectories = [], MemoryLimit = "1GB'; SET x='1" });
        Assert.Throws<ArgumentException>(() => new QuerySandbox { AllowedDirectories = [], TempDirectory = "tmp" });
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuerySandbox { AllowedDirectories = [], Threads = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuerySandbox { AllowedDirectories = [], Timeout = TimeSpan.Zero });
        Assert.Equal("1GiB", new QuerySandbox { AllowedDirectories = [], MemoryLimit = "1 GiB" }.MemoryLimit);
    }

    [Fact]
    public void The_settings_run_in_the_documented_order()
    {
        var settings = SandboxedConnection.SettingsFor(files.Sandbox().Settings, spillDirectory: null);

        Assert.Equal(
            [
                "SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false", "SET memory_limit = '256MB'",
                "SET threads = 2", "SET temp_directory = ''", $"SET allowed_directories = ['{files.Data}/']", "SET allowed_paths = []",
                "SET enable_external_access = false", "SET lock_configuration = true",
            ],
            settings);
    }
}
