using System.Globalization;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Client;

namespace OrleansHa.Cli;

/// <summary>What each command prints.</summary>
internal static partial class Commands
{
    private static async Task<int> SqlAsync(OrleansHaClient client, string sql, ResultWriter writer, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        QueryResult result = client.QueryAsync(sql);
        result.Resubmitted += (_, e) => stderr.WriteLine(
            $"orleans-ha: job {e.InterruptedJobId:D} was interrupted by the loss of a node ({e.Reason.Message}); resubmitted as attempt {e.Attempt}.");
        await using Progress? progress = Progress.StartIfTerminal(() => string.Create(
            CultureInfo.InvariantCulture,
            $", {result.RowsDelivered:N0} rows{(result.Resubmissions > 0 ? $", resubmitted {result.Resubmissions}x" : string.Empty)}"));
        bool screen = !Console.IsOutputRedirected;
        await foreach (ResultBatch batch in result.WithCancellation(cancellationToken))
        {
            if (screen)
            {
                progress?.Clear(); // the result goes to the same terminal: no more redrawing over it
            }

            writer.Write(batch);
        }

        progress?.Clear();
        writer.Finish(result.RowsDelivered);
        await stdout.FlushAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    private static async Task<int> StatusAsync(OrleansHaClient client, TextWriter stdout, CancellationToken cancellationToken)
    {
        ClusterStatus status = await client.GetClusterStatusAsync(cancellationToken);
        await stdout.WriteLineAsync(status.Master is { } master
            ? string.Create(CultureInfo.InvariantCulture, $"master:   {master.NodeName} (epoch {master.Epoch}, since {master.Since:yyyy-MM-dd HH:mm:ss}Z, {master.WebUrl})")
            : "master:   none (a failover is in progress)");
        await stdout.WriteLineAsync($"standbys: {(status.Standbys.Count == 0 ? "none" : string.Join(", ", status.Standbys))}");
        await stdout.WriteLineAsync();
        TableWriter.WriteTable(
            stdout,
            ["NODE", "ROLES", "STATUS", "ADDRESS", "WEB"],
            status.Nodes.Select(n => new[]
            {
                n.Name + (status.Master?.SiloAddress == n.SiloAddress ? " *" : string.Empty),
                string.Join(',', n.Roles),
                n.Status,
                n.SiloAddress,
                n.WebUrl ?? string.Empty,
            }));
        await stdout.WriteLineAsync("(* active master)");
        await stdout.WriteLineAsync();
        await WriteFailoversAsync(client, stdout, cancellationToken);
        return ExitCodes.Ok;
    }

    private static async Task WriteFailoversAsync(OrleansHaClient client, TextWriter stdout, CancellationToken cancellationToken)
    {
        IReadOnlyList<Failover> failovers;
        try
        {
            failovers = await client.GetFailoverHistoryAsync(10, cancellationToken);
        }
        catch (NoActiveMasterException ex)
        {
            // The nodes above still tell the operator what is up; only the master keeps the history.
            await stdout.WriteLineAsync($"failovers: unavailable while no master answers ({ex.Message})");
            return;
        }

        await stdout.WriteLineAsync("failovers (newest first):");
        TableWriter.WriteTable(
            stdout,
            ["EPOCH", "AT", "FROM", "TO", "TAKEOVER"],
            failovers.Select(f => new[]
            {
                f.Epoch.ToString(CultureInfo.InvariantCulture),
                f.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z",
                f.PreviousNode ?? "(first master)",
                f.NewNode,
                f.TimeToTakeOver is { } t ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.00} s") : "-",
            }));
    }

    private static async Task<int> ListJobsAsync(OrleansHaClient client, int limit, TextWriter stdout, CancellationToken cancellationToken)
    {
        IReadOnlyList<JobInfo> jobs = await client.ListJobsAsync(limit, cancellationToken);
        TableWriter.WriteTable(
            stdout,
            ["JOB", "STATE", "ROWS", "SUBMITTED", "SECONDS", "SQL"],
            jobs.Select(j => new[]
            {
                j.Id.ToString("D"),
                j.State.ToString().ToUpperInvariant(),
                j.RowCount.ToString(CultureInfo.InvariantCulture),
                j.SubmittedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                Seconds(j),
                j.Sql.ReplaceLineEndings(" "),
            }));
        return ExitCodes.Ok;
    }

    private static async Task<int> ShowJobAsync(OrleansHaClient client, Guid id, TextWriter stdout, CancellationToken cancellationToken)
    {
        JobInfo job = await client.GetJobAsync(id, cancellationToken) ?? throw new JobNotFoundException(id);
        static string When(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + "Z";
        await stdout.WriteLineAsync($"""
            job:         {job.Id:D}
            state:       {job.State.ToString().ToUpperInvariant()}
            rows:        {job.RowCount.ToString(CultureInfo.InvariantCulture)}
            submitted:   {When(job.SubmittedAt)}
            started:     {(job.StartedAt is null ? "-" : When(job.StartedAt))}
            ended:       {(job.EndedAt is null ? "-" : When(job.EndedAt))}
            coordinator: {job.Coordinator}
            error:       {job.Error ?? "-"}
            sql:         {job.Sql}
            """);
        return ExitCodes.Ok;
    }

    private static string Seconds(JobInfo job) =>
        job.StartedAt is { } start && job.EndedAt is { } end
            ? (end - start).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)
            : string.Empty;
}
