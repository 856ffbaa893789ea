using System.Runtime.InteropServices;
using OrleansHa.Grains.Election;
using OrleansHa.Node.Configuration;
using OrleansHa.Node.Security;
using OrleansHa.Node.Supervision;

namespace OrleansHa.Node;

/// <summary>
/// <c>orleans-ha-node [--config file] [--set key=value ...]</c>: one node of the cluster. With <c>supervisor.enabled</c>
/// (the default) the process is a supervisor that runs the silo as its child with the same arguments and restarts it
/// (<see cref="Supervisor"/>). Exit codes: 0 stopped, 2 could not start (the message says what), 3 lost its master
/// standing and fenced itself; a supervisor exits with its silo's code once asked to stop.
/// <c>orleans-ha-node --config file --migrate-zookeeper-acls</c> sets the cluster's ACLs on a tree made without them
/// (<see cref="ZooKeeperAclMigration"/>) and exits.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        NodeConfiguration config;
        bool migrate = args.Contains(ZooKeeperAclMigration.Switch, StringComparer.Ordinal);
        try
        {
            config = NodeConfiguration.Load(null, EnvironmentVariables(), [.. args.Where(a => a != ZooKeeperAclMigration.Switch)]);
            StartupChecks.Run(config);
        }
        catch (ConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"orleans-ha-node: {ex.Message}");
            return ExitCodes.StartupFailed;
        }

        if (migrate)
        {
            return await ZooKeeperAclMigration.RunAsync(config);
        }

        if (config.Supervisor.Enabled && Environment.GetEnvironmentVariable(NodeHeartbeat.SupervisorPidVariable) is null)
        {
            return await SuperviseAsync(config, args);
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

    private static async Task<int> SuperviseAsync(NodeConfiguration config, string[] args)
    {
        using ILoggerFactory loggers = LoggerFactory.Create(logging => NodeHost.AddConsoleLogging(logging, config));
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var supervisor = new Supervisor(config.Supervisor, ChildCommand.OfThisProcess(args), TimeProvider.System, loggers.CreateLogger<Supervisor>());
        return await supervisor.RunAsync(stop.Token);
    }

    private static Dictionary<string, string> EnvironmentVariables() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
}
