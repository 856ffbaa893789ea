using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Grains.Election;

namespace OrleansHa.Grains.Master;

/// <summary>
/// On the active master: ends as INTERRUPTED every unfinished job whose coordinator died, so that a client polling
/// the job learns it must submit it again instead of waiting on a job nobody runs. A coordinator counts as dead when
/// membership says Dead, or when it is absent from membership and the job is older than <see cref="AbsentGrace"/>
/// (its row may already have been cleaned up; a young job may be on a silo this master has not heard of yet).
/// </summary>
internal sealed partial class OrphanedJobSweeper(
    MasterLatch latch,
    IClusterMembershipService membership,
    TimeProvider time,
    ILogger<OrphanedJobSweeper> logger) : BackgroundService
{
    internal static readonly TimeSpan AbsentGrace = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    Sweep();
                }
                catch (NoActiveMasterException)
                {
                    // The tenure is in doubt or ended between the check and the write; the next sweep (or master) does it.
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSweepFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Sweep()
    {
        if (latch.ActiveEpoch is not { } epoch)
        {
            return;
        }

        ClusterMembershipSnapshot snapshot = membership.CurrentSnapshot;
        var statuses = snapshot.Members.Values.ToDictionary(m => m.SiloAddress.ToParsableString(), m => m.Status, StringComparer.Ordinal);
        DateTimeOffset now = time.GetUtcNow();
        foreach (JobInfo job in latch.Act(epoch, store => store.UnfinishedJobs()))
        {
            bool dead = statuses.TryGetValue(job.Coordinator, out SiloStatus status)
                ? status == SiloStatus.Dead
                : now - job.SubmittedAt > AbsentGrace;
            if (dead)
            {
                latch.Act(epoch, store => store.RecordJob(job with
                {
                    State = JobState.Interrupted,
                    EndedAt = now,
                    Error = $"The coordinator running the job ({job.Coordinator}) died; submit the query again.",
                }));
                LogInterrupted(logger, job.Id, job.Coordinator);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} interrupted: its coordinator {Coordinator} died.")]
    private static partial void LogInterrupted(ILogger logger, Guid job, string coordinator);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping jobs of dead coordinators failed: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
