namespace OrleansHa.Testing;

/// <summary>Files of this repository (scripts, silo-config, samples) for tests that run what operators run.</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    /// <summary>The directory holding OrleansHa.sln, found above the test's output directory.</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>The full path of <paramref name="relative"/> (segments separated by '/') in the repository.</summary>
    public static string PathOf(string relative) => Path.Combine([Root, .. relative.Split('/')]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansHa.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"OrleansHa.sln not found above {AppContext.BaseDirectory}");
    }
}
