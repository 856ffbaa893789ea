using Orleans.Runtime;
using Microsoft.Extensions.Options;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Grains.Query;

namespace OrleansHa.Node.Http;

/// <summary>Dremio's SQL and job API: submit, follow, page the results, cancel. Any coordinator answers for any job.</summary>
internal static class JobEndpoints
{
    /// <summary>Dremio's page limit for job results.</summary>
    private const int MaxPageSize = 500;

    public static void MapJobEndpoints(this WebApplication app)
    {
        app.MapPost("/api/v3/sql", async (SqlRequest? request, IGrainFactory grains) =>
        {
            if (string.IsNullOrWhiteSpace(request?.Sql))
            {
                return HttpProblems.Problem(StatusCodes.Status400BadRequest, "The body must be JSON with a non-empty \"sql\".");
            }

            try
            {
                JobInfo job = await grains.GetGrain<IQueryGrain>(Guid.NewGuid()).StartAsync(request.Sql);
                return Results.Json(new { id = job.Id.ToString("D") });
            }
            catch (NoActiveMasterException ex)
            {
                return HttpProblems.NoMaster(ex.Message);
            }
        });

        app.MapGet("/api/v3/job/{id}", async (string id, MasterClient master, JobLedger ledger, CancellationToken ct) =>
        {
            if (await FindAsync(id, master, ledger, ct) is not { } job)
            {
                return UnknownJob(id);
            }

            return Results.Json(new
            {
                jobState = DremioState(job.State),
                rowCount = job.RowCount,
                errorMessage = job.Error ?? string.Empty,
                startedAt = job.StartedAt,
                endedAt = job.EndedAt,
            });
        });

        app.MapGet("/api/v3/job/{id}/results", async (string id, long? offset, int? limit, MasterClient master, JobLedger ledger, IOptions<QueryOptions> options, CancellationToken ct) =>
        {
            int pageSize = limit ?? 100;
            if (pageSize is < 1 or > MaxPageSize || offset is < 0)
            {
                return HttpProblems.Problem(StatusCodes.Status400BadRequest, $"limit must be 1 to {MaxPageSize} and offset 0 or more.");
            }

            if (await FindAsync(id, master, ledger, ct) is not { } job)
            {
                return UnknownJob(id);
            }

            if (job.State != JobState.Completed)
            {
                return HttpProblems.Problem(StatusCodes.Status400BadRequest, $"Job {id} is {DremioState(job.State)}; results exist only for a COMPLETED job.");
            }

            try
            {
                var (schema, rows) = await JobResults.ReadPageAsync(options.Value.PathsDist, job.Id, offset ?? 0, pageSize, ct);
                return Results.Json(new { rowCount = job.RowCount, schema, rows });
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return HttpProblems.Problem(
                    StatusCodes.Status500InternalServerError,
                    $"The results of job {id} are not under paths.dist '{options.Value.PathsDist}' on this coordinator: every coordinator must share paths.dist.");
            }
        });

        app.MapPost("/api/v3/job/{id}/cancel", async (string id, MasterClient master, JobLedger ledger, IGrainFactory grains, CancellationToken ct) =>
        {
            if (await FindAsync(id, master, ledger, ct) is not { } job)
            {
                return UnknownJob(id);
            }

            if (!job.IsFinished)
            {
                try
                {
                    await QueryPlacementHints.CallOnAsync(job.Coordinator, () => grains.GetGrain<IQueryGrain>(job.Id).CancelAsync());
                }
                catch (OrleansException ex)
                {
                    return HttpProblems.Problem(StatusCodes.Status409Conflict, $"Job {id} cannot be canceled: {ex.Message}");
                }
            }

            return Results.Json(new { id });
        });
    }

    /// <summary>
    /// The job as a coordinator keeps it while no master is active (see <see cref="JobLedger"/>), which is never older
    /// than the master's record, else as the master records it. Without a master, a job nobody kept answers 503.
    /// </summary>
    private static async Task<JobInfo?> FindAsync(string id, MasterClient master, JobLedger ledger, CancellationToken ct) =>
        !Guid.TryParse(id, out Guid jobId) ? null
        : await ledger.FindKeptAsync(jobId, ct) ?? await master.ReadAsync(m => m.GetJobAsync(jobId), ct);

    private static string DremioState(JobState state) => state switch
    {
        JobState.Submitted => "ENQUEUED",
        _ => state.ToString().ToUpperInvariant(),
    };

    private static IResult UnknownJob(string id) => HttpProblems.Problem(StatusCodes.Status404NotFound, $"No job '{id}'.");


    private sealed record SqlRequest(string? Sql);
}
