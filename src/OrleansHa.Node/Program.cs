using OrleansHa.Grains.Election;
using OrleansHa.Node.Configuration;

namespace OrleansHa.Node;

/// <summary>
/// <c>orleans-ha-node [--config file] [--set key=value ...]</c>: one node of the cluster. Exit codes: 0 stopped,
/// 2 could not start (the message says what), 3 lost its master standing and fenced itself.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        NodeConfiguration config;
        try
        {
            config = NodeConfiguration.Load(null, EnvironmentVariables(), args);
            StartupChecks.Run(config);
        }
        catch (ConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"orleans-ha-node: {ex.Message}");
            return ExitCodes.StartupFailed;
        }

        try
        {
            await EmbeddedZooKeeper.EnsureRunningAsync(config, CancellationToken.None);
        }
        catch (ConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"orleans-ha-node: {ex.Message}");
            return ExitCodes.StartupFailed;
        }

        try
        {
            await using WebApplication app = NodeHost.Build(config);
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (StartupFailure.Describe(ex, config) is { } message)
        {
            await Console.Error.WriteLineAsync($"orleans-ha-node: {message}");
            return ExitCodes.StartupFailed;
        }
    }

    private static Dictionary<string, string> EnvironmentVariables() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
}
