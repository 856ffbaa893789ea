using System.Globalization;
using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Abstractions.Security;
using OrleansHa.Client;

namespace OrleansHa.Cli;

/// <summary>Parses the command line, connects, runs the command, and turns every failure into a message and an exit code.</summary>
internal static partial class Commands
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        try
        {
            CommandLine line = CommandLine.Parse(args);
            if (line.Has("help") || line.Positional.Count == 0 || line.Positional[0] == "help")
            {
                await (line.Positional.Count == 0 && !line.Has("help") ? stderr : stdout).WriteLineAsync(Usage.Text);
                return line.Positional.Count == 0 && !line.Has("help") ? ExitCodes.Usage : ExitCodes.Ok;
            }

            Func<OrleansHaClient, Task<int>> command = Choose(line, stdout, stderr, cancellationToken);
            await using OrleansHaClient client = await OrleansHaClient.ConnectAsync(
                line.Get("zookeeper") ?? environment("ORLEANSHA_ZOOKEEPER") ?? "localhost:2181",
                Options(line, environment),
                cancellationToken);
            return await command(client);
        }
        catch (Exception ex)
        {
            (int code, string message) = Describe(ex, cancellationToken);
            await stderr.WriteLineAsync($"orleans-ha: {message}");
            if (code == ExitCodes.Usage)
            {
                await stderr.WriteLineAsync("Run 'orleans-ha --help' for usage.");
            }

            return code;
        }
    }

    private static OrleansHaClientOptions Options(CommandLine line, Func<string, string?> environment)
    {
        string? user = line.Get("user") ?? environment("ORLEANSHA_USER");
        string? password = line.Get("password") ?? environment("ORLEANSHA_PASSWORD");
        if (user is not null && password is null)
        {
            throw new UsageException("--user needs --password (or ORLEANSHA_PASSWORD).");
        }

        // A cluster with mutual TLS needs the client's certificate: all three files or none.
        string?[] tls = [environment("ORLEANSHA_TLS_CA"), environment("ORLEANSHA_TLS_CERTIFICATE"), environment("ORLEANSHA_TLS_KEY")];
        if (tls.Any(f => f is not null) && tls.Any(f => f is null))
        {
            throw new UsageException("TLS needs ORLEANSHA_TLS_CA, ORLEANSHA_TLS_CERTIFICATE and ORLEANSHA_TLS_KEY together.");
        }

        return new OrleansHaClientOptions
        {
            Tls = tls[0] is null ? null : new OrleansHa.Coordination.ClusterTlsFiles(tls[0]!, tls[1]!, tls[2]!),
            ClusterId = line.Get("cluster") ?? environment("ORLEANSHA_CLUSTER") ?? "orleans-ha",
            UserName = user,
            Password = user is null ? null : password,
            AutoResubmit = !line.Has("no-resubmit"),
            ConnectTimeout = TimeSpan.FromSeconds(line.GetPositive("timeout", 30)),
        };
    }

    /// <summary>The command to run once connected; usage errors surface before connecting.</summary>
    private static Func<OrleansHaClient, Task<int>> Choose(CommandLine line, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> words = line.Positional;
        string Argument(int index, string what) =>
            index < words.Count ? words[index] : throw new UsageException($"'{string.Join(' ', words.Take(index))}' needs {what}.");
        void NoMoreThan(int count)
        {
            if (words.Count > count)
            {
                throw new UsageException($"Unexpected argument '{words[count]}' (quote the SQL as one argument).");
            }
        }

        switch (words[0])
        {
            case "sql":
                string sql = Argument(1, "the SQL to run");
                NoMoreThan(2);
                ResultWriter writer = ResultWriter.For(line.Get("format") ?? "table", stdout);
                return client => SqlAsync(client, sql, writer, stdout, stderr, cancellationToken);
            case "status":
                NoMoreThan(1);
                return client => StatusAsync(client, stdout, cancellationToken);
            case "jobs":
                return ChooseJobs(line, words, Argument, NoMoreThan, stdout, cancellationToken);
            case "catalog":
                return Argument(1, "what to manage: sources or views") switch
                {
                    "sources" => ChooseSources(words, Argument, NoMoreThan, stdout, cancellationToken),
                    "views" => ChooseViews(words, Argument, NoMoreThan, stdout, cancellationToken),
                    _ => throw new UsageException($"Unknown catalog entity '{words[1]}'; the catalog has sources and views."),
                };
            default:
                throw new UsageException($"Unknown command '{words[0]}'.");
        }
    }

    private static Func<OrleansHaClient, Task<int>> ChooseJobs(
        CommandLine line, IReadOnlyList<string> words, Func<int, string, string> argument, Action<int> noMoreThan, TextWriter stdout, CancellationToken cancellationToken)
    {
        string verb = words.Count > 1 ? words[1] : "list";
        switch (verb)
        {
            case "list":
                noMoreThan(2);
                int limit = line.GetPositive("limit", 20);
                return client => ListJobsAsync(client, limit, stdout, cancellationToken);
            case "show":
                Guid id = ParseJobId(argument(2, "a job id"));
                noMoreThan(3);
                return client => ShowJobAsync(client, id, stdout, cancellationToken);
            case "start":
                string sql = argument(2, "the SQL to run");
                noMoreThan(3);
                return async client =>
                {
                    JobInfo job = await client.StartJobAsync(sql, cancellationToken);
                    await stdout.WriteLineAsync(job.Id.ToString("D"));
                    return ExitCodes.Ok;
                };
            case "cancel":
                Guid cancel = ParseJobId(argument(2, "a job id"));
                noMoreThan(3);
                return async client =>
                {
                    if (await client.GetJobAsync(cancel, cancellationToken) is null)
                    {
                        throw new JobNotFoundException(cancel);
                    }

                    await client.CancelJobAsync(cancel, cancellationToken);
                    await stdout.WriteLineAsync($"Cancel requested for job {cancel:D}.");
                    return ExitCodes.Ok;
                };
            default:
                throw new UsageException($"Unknown jobs command '{verb}': list, show, start or cancel.");
        }
    }

    private static Func<OrleansHaClient, Task<int>> ChooseSources(
        IReadOnlyList<string> words, Func<int, string, string> argument, Action<int> noMoreThan, TextWriter stdout, CancellationToken cancellationToken)
    {
        string verb = argument(2, "list, add or drop");
        switch (verb)
        {
            case "list":
                noMoreThan(3);
                return async client =>
                {
                    IReadOnlyList<SourceInfo> sources = await client.ListSourcesAsync(cancellationToken);
                    TableWriter.WriteTable(stdout, ["NAME", "PATH"], sources.Select(s => new[] { s.Name, s.Path }));
                    return ExitCodes.Ok;
                };
            case "add":
                string name = argument(3, "the source's name");
                string path = argument(4, "the source's directory");
                noMoreThan(5);
                return async client =>
                {
                    await client.CreateSourceAsync(name, Path.GetFullPath(path), cancellationToken);
                    await stdout.WriteLineAsync($"Source '{name}' added: {Path.GetFullPath(path)}");
                    return ExitCodes.Ok;
                };
            case "drop":
                string drop = argument(3, "the source's name");
                noMoreThan(4);
                return async client =>
                {
                    await client.DropSourceAsync(drop, cancellationToken);
                    await stdout.WriteLineAsync($"Source '{drop}' dropped.");
                    return ExitCodes.Ok;
                };
            default:
                throw new UsageException($"Unknown sources command '{verb}': list, add or drop.");
        }
    }

    private static Func<OrleansHaClient, Task<int>> ChooseViews(
        IReadOnlyList<string> words, Func<int, string, string> argument, Action<int> noMoreThan, TextWriter stdout, CancellationToken cancellationToken)
    {
        string verb = argument(2, "list, put or drop");
        switch (verb)
        {
            case "list":
                noMoreThan(3);
                return async client =>
                {
                    IReadOnlyList<ViewInfo> views = await client.ListViewsAsync(cancellationToken);
                    TableWriter.WriteTable(stdout, ["NAME", "VERSION", "SQL"], views.Select(v => new[] { v.Name, v.Version.ToString(CultureInfo.InvariantCulture), v.Sql }));
                    return ExitCodes.Ok;
                };
            case "put":
                string name = argument(3, "the view's name");
                string sql = argument(4, "the view's SQL");
                noMoreThan(5);
                return async client =>
                {
                    long version = await client.PutViewAsync(name, sql, cancellationToken);
                    await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"View '{name}' {(version == 1 ? "created" : "replaced")} (version {version})."));
                    return ExitCodes.Ok;
                };
            case "drop":
                string drop = argument(3, "the view's name");
                noMoreThan(4);
                return async client =>
                {
                    await client.DropViewAsync(drop, cancellationToken);
                    await stdout.WriteLineAsync($"View '{drop}' dropped.");
                    return ExitCodes.Ok;
                };
            default:
                throw new UsageException($"Unknown views command '{verb}': list, put or drop.");
        }
    }

    private static Guid ParseJobId(string text) =>
        Guid.TryParse(text, out Guid id) ? id : throw new UsageException($"'{text}' is not a job id.");

    /// <summary>The exit code and the one-line message for a failure.</summary>
    private static (int Code, string Message) Describe(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        UsageException => (ExitCodes.Usage, ex.Message),
        OperationCanceledException when cancellationToken.IsCancellationRequested => (ExitCodes.Canceled, "canceled."),
        QueryFailedException failed => (ExitCodes.Failed, $"the query failed ({failed.Kind}): {failed.Message}"),
        CatalogException catalog => (ExitCodes.Failed, $"the catalog refused it ({catalog.Error}): {catalog.Message}"),
        JobNotFoundException => (ExitCodes.Failed, ex.Message),
        AuthenticationFailedException or LoginThrottledException => (ExitCodes.AuthenticationFailed, $"authentication failed: {ex.Message}"),
        PermissionDeniedException => (ExitCodes.PermissionDenied, $"not allowed: {ex.Message}"),
        QueryInterruptedException => (ExitCodes.Unavailable, ex.Message),
        NoActiveMasterException or NoExecutorException => (ExitCodes.Unavailable, ex.Message),
        TimeoutException => (ExitCodes.Unavailable, ex.Message),
        OrleansException or SiloUnavailableException => (ExitCodes.Unavailable, $"the cluster is unavailable: {ex.Message}"),
        _ => (ExitCodes.Failed, $"{ex.GetType().Name}: {ex.Message}"),
    };

    /// <summary>No job has the id asked for.</summary>
    private sealed class JobNotFoundException(Guid id) : Exception(string.Create(CultureInfo.InvariantCulture, $"no job {id:D}."));
}
