using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Tests.Configuration;

/// <summary>A temporary folder for configuration files, deleted afterwards.</summary>
public sealed class ConfigFiles : IDisposable
{
    public static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    public ConfigFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "orleans-ha-config-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> in the folder and returns its path.</summary>
    public string Write(string text, string name = "node.conf")
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Writes <paramref name="text"/> and parses and resolves it.</summary>
    internal HoconConfig Parse(string text, IReadOnlyDictionary<string, string>? environment = null) =>
        HoconConfig.Load(Write(text), environment ?? NoEnvironment);

    /// <summary>Writes <paramref name="text"/> and loads it as a node configuration.</summary>
    internal NodeConfiguration Load(
        string text, IReadOnlyDictionary<string, string>? environment = null, params string[] commandLine) =>
        NodeConfiguration.Load(Write(text), environment ?? NoEnvironment, commandLine);

    /// <summary>The <see cref="ConfigurationException"/> that parsing <paramref name="text"/> throws.</summary>
    internal ConfigurationException ParseError(string text, IReadOnlyDictionary<string, string>? environment = null) =>
        Assert.Throws<ConfigurationException>(() => Parse(text, environment));

    /// <summary>The <see cref="ConfigurationException"/> that loading <paramref name="text"/> throws.</summary>
    internal ConfigurationException LoadError(
        string text, IReadOnlyDictionary<string, string>? environment = null, params string[] commandLine) =>
        Assert.Throws<ConfigurationException>(() => Load(text, environment, commandLine));

    public static Dictionary<string, string> Env(params (string Name, string Value)[] variables) =>
        variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
