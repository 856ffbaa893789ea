using System.Reflection;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Cluster;
using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Http;

/// <summary>
/// The cluster page at <c>/</c> on every coordinator: nodes with roles and state, the active master and its epoch, the
/// standbys, the failover history and the running jobs. The page polls <see cref="DataPath"/> and redraws itself, so a
/// failover shows without a reload, also through nginx while the node that served the page is gone.
/// </summary>
internal static class ClusterPage
{
    /// <summary>What the page reads, behind the same login as the page.</summary>
    public const string DataPath = "/ui/status";

    private const int FailoversShown = 20;
    private const int JobsScanned = 200;

    private static readonly Lazy<byte[]> Html = new(() =>
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("OrleansHa.Node.Http.ClusterPage.html")
            ?? throw new InvalidOperationException("The cluster page is missing from the node's resources.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static void MapClusterPage(this WebApplication app)
    {
        app.MapGet("/", () => Results.Bytes(Html.Value, "text/html; charset=utf-8"));
        app.MapGet(DataPath, ReadAsync);
    }

    private static async Task<IResult> ReadAsync(ClusterStatusReader reader, MasterClient master, NodeConfiguration config, CancellationToken ct)
    {
        ClusterStatus status = await reader.ReadAsync(ct);
        IReadOnlyList<Failover> failovers = [];
        IReadOnlyList<JobInfo> running = [];
        string? masterProblem = null;
        try
        {
            failovers = Failover.From(await master.ReadAsync(m => m.ListTenuresAsync(FailoversShown), ct));
            running = [.. (await master.ReadAsync(m => m.ListJobsAsync(JobsScanned), ct)).Where(j => !j.IsFinished)];
        }
        catch (NoActiveMasterException ex)
        {
            // The page still shows the nodes while the master is away, and says why the rest is missing.
            masterProblem = ex.Message;
        }

        return Results.Json(new
        {
            servedBy = config.NodeName,
            at = DateTimeOffset.UtcNow,
            nodes = status.Nodes.Select(n => new { name = n.Name, address = n.SiloAddress, roles = n.Roles, status = n.Status, web = n.WebUrl }),
            master = status.Master is { } m ? new { node = m.NodeName, epoch = m.Epoch, since = m.Since, silo = m.SiloAddress } : null,
            standbys = status.Standbys,
            failovers = failovers.Select(f => new { epoch = f.Epoch, at = f.At, from = f.PreviousNode, to = f.NewNode, takeoverMs = f.TimeToTakeOver?.TotalMilliseconds }),
            running = running.Select(j => new { id = j.Id, sql = j.Sql, state = j.State.ToString().ToUpperInvariant(), submittedAt = j.SubmittedAt, coordinator = j.Coordinator }),
            masterProblem,
        });
    }
}
