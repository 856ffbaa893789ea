using System.IO.Compression;
using Xunit.Abstractions;

namespace OrleansHa.Operations.Tests;

/// <summary>
/// The packages for application developers: scripts/pack into a folder feed, then samples/OrleansHa.Sample built from
/// that feed alone (no project references, none of the repository's build files) and run against real nodes.
/// </summary>
public sealed class PackageTests(ZooKeeperFixture zooKeeper, ITestOutputHelper output) : OperationsTest(zooKeeper)
{
    private static readonly string[] Packages = ["OrleansHa.ZooKeeper", "OrleansHa.Clustering.ZooKeeper", "OrleansHa.Abstractions", "OrleansHa.Client", "OrleansHa.Cli"];

    [Fact]
    public async Task The_sample_app_builds_from_the_packed_packages_alone_and_queries_the_cluster()
    {
        string work = Path.Combine(Cluster.Root, "sample");
        string feed = Path.Combine(work, "feed");
        ExternalCommand.Result pack = await ExternalCommand.RunAsync("bash", [RepositoryFiles.PathOf("scripts/pack"), feed], TimeSpan.FromMinutes(8));
        Assert.True(pack.ExitCode == 0, $"scripts/pack: {pack}");
        foreach (string package in Packages)
        {
            AssertPackage(Path.Combine(feed, $"{package}.0.1.0.nupkg"), package);
            Assert.True(File.Exists(Path.Combine(feed, $"{package}.0.1.0.snupkg")), $"no symbols package for {package}");
        }

        using (ZipArchive tool = ZipFile.OpenRead(Path.Combine(feed, "OrleansHa.Cli.0.1.0.nupkg")))
        {
            Assert.Contains(tool.Entries, e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
        }

        // The sample, copied out of the repository so nothing of it (Directory.Build.props, central versions) applies.
        string app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        foreach (string file in Directory.EnumerateFiles(RepositoryFiles.PathOf("samples/OrleansHa.Sample")))
        {
            File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        }

        Assert.DoesNotContain("ProjectReference", await File.ReadAllTextAsync(Path.Combine(app, "OrleansHa.Sample.csproj")), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="packed" value="{feed}" />
              </packageSources>
            </configuration>
            """);

        NodeProcess node = await Cluster.StartAsync("m1");
        await NodeCluster.WaitForMasterAsync(node);

        // A packages folder of its own: a package of the same version cached from an earlier run must not be used.
        ExternalCommand.Result run = await ExternalCommand.RunAsync(
            "dotnet",
            ["run", "-c", "Release", "--", ZooKeeper.ConnectionString],
            TimeSpan.FromMinutes(8),
            app,
            new Dictionary<string, string>
            {
                ["ORLEANSHA_CLUSTER"] = Cluster.ClusterId,
                ["ORLEANSHA_USER"] = TestCredentials.User,
                ["ORLEANSHA_PASSWORD"] = TestCredentials.Password,
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["NUGET_PACKAGES"] = Path.Combine(work, "packages"),
            });
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, $"dotnet run of the sample: {run}");
        Assert.Contains("master: m1 (epoch ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("42, from the cluster", run.Stdout, StringComparison.Ordinal);
    }

    private static void AssertPackage(string path, string id)
    {
        Assert.True(File.Exists(path), $"{path} was not packed");
        using ZipArchive package = ZipFile.OpenRead(path);
        Assert.Contains(package.Entries, e => e.FullName == "README.md");
        using var nuspec = new StreamReader(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        string text = nuspec.ReadToEnd();
        Assert.Contains($"<id>{id}</id>", text, StringComparison.Ordinal);
        Assert.Contains("<version>0.1.0</version>", text, StringComparison.Ordinal);
        Assert.Contains("<readme>README.md</readme>", text, StringComparison.Ordinal);
        Assert.Contains("<description>", text, StringComparison.Ordinal);
    }
}
