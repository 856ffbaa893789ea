namespace OrleansHa.Cli;

/// <summary><c>orleans-ha [options] &lt;command&gt;</c>: see <see cref="Usage.Text"/>; exit codes in <see cref="ExitCodes"/>.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var canceled = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl-C cancels the query (which reaches DuckDB); a second one ends the process.
            e.Cancel = !canceled.IsCancellationRequested;
            canceled.Cancel();
        };
        return await Commands.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, canceled.Token);
    }
}

/// <summary>What the process exit code says.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The query failed (SQL, sandbox, timeout, memory) or the catalog refused the change, or the job is unknown.</summary>
    public const int Failed = 1;

    /// <summary>Bad usage: an unknown command or option, a missing argument.</summary>
    public const int Usage = 2;

    /// <summary>The cluster could not do it now, retriable: unreachable, no master, no executor, the query interrupted by a node loss.</summary>
    public const int Unavailable = 3;

    /// <summary>The user name, password or token was refused, or too many logins failed.</summary>
    public const int AuthenticationFailed = 4;

    /// <summary>The user's role does not allow it (creating or dropping sources and views needs an admin; others' jobs are not the user's).</summary>
    public const int PermissionDenied = 5;

    /// <summary>Ctrl-C.</summary>
    public const int Canceled = 130;
}

internal static class Usage
{
    public const string Text = """
        usage: orleans-ha [--zookeeper host:port[,host:port...]] [--cluster id] [--user name --password secret] <command>

        commands:
          sql "<SQL>" [--format table|csv|json] [--no-resubmit]
                                  run a query and print its result (a table by default; csv or json for pipes)
          status                  nodes, their roles and status, the active master and its epoch, the standbys
          jobs [list] [--limit N] the most recent jobs, newest first (default 20)
          jobs show <id>          one job
          jobs start "<SQL>"      start a query as a job and print its id
          jobs cancel <id>        cancel a running job
          catalog sources list
          catalog sources add <name> <path>
          catalog sources drop <name>
          catalog views list
          catalog views put <name> "<SQL>"   create a view (a name for the SQL), or replace its SQL
          catalog views drop <name>

        options:
          -z, --zookeeper   the ZooKeeper ensemble (default $ORLEANSHA_ZOOKEEPER, else localhost:2181)
          -c, --cluster     the cluster id (default $ORLEANSHA_CLUSTER, else orleans-ha)
          -u, --user        log in as this user (default $ORLEANSHA_USER)
          -p, --password    the user's password (default $ORLEANSHA_PASSWORD; prefer the variable, the command line is visible to others)
          --timeout         seconds to wait for the connection (default 30)
          --no-resubmit     do not resubmit a read interrupted by the loss of a node

        a cluster with mutual TLS: $ORLEANSHA_TLS_CA, $ORLEANSHA_TLS_CERTIFICATE and $ORLEANSHA_TLS_KEY name the PEM files
        of the cluster's CA and of a client certificate it signed, with its key

        exit codes: 0 done, 1 the query or change failed, 2 bad usage, 3 the cluster is unavailable or the query was
        interrupted (try again), 4 authentication failed, 5 not allowed for the user's role, 130 interrupted by Ctrl-C
        """;
}
