namespace OrleansHa.Testing;

/// <summary>Finds java and the ZooKeeper jars installed by Debian's zookeeper package (see scripts/install-deps).</summary>
internal static class JavaEnvironment
{
    internal static string FindJava()
    {
        if (Environment.GetEnvironmentVariable("ORLEANSHA_JAVA") is { Length: > 0 } explicitJava)
        {
            return explicitJava;
        }

        if (Environment.GetEnvironmentVariable("JAVA_HOME") is { Length: > 0 } javaHome
            && File.Exists(Path.Combine(javaHome, "bin", "java")))
        {
            return Path.Combine(javaHome, "bin", "java");
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "java");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "No java executable found (ORLEANSHA_JAVA, JAVA_HOME, PATH). Run scripts/install-deps to install Debian's zookeeper package.");
    }

    internal static string ClassPath()
    {
        var zooKeeperJar = Environment.GetEnvironmentVariable("ORLEANSHA_ZOOKEEPER_JAR") is { Length: > 0 } jar
            ? jar
            : ZooKeeperServerProcess.DefaultZooKeeperJar;
        if (!File.Exists(zooKeeperJar))
        {
            throw new InvalidOperationException(
                $"ZooKeeper is not installed: {zooKeeperJar} is missing. Run scripts/install-deps (Debian package zookeeper).");
        }

        // zookeeper.jar's manifest Class-Path names all its dependencies but no SLF4J binding: without
        // slf4j-simple the server would log nothing at all.
        return File.Exists(ZooKeeperServerProcess.Slf4jSimpleJar)
            ? zooKeeperJar + Path.PathSeparator + ZooKeeperServerProcess.Slf4jSimpleJar
            : zooKeeperJar;
    }
}
