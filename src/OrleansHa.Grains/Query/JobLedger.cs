using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansHa.Abstractions;
using OrleansHa.Coordination;
using OrleansHa.Grains.Security;

namespace OrleansHa.Grains.Query;

/// <summary>
/// Where a coordinator records the states of its jobs: with the master while one is active; while none is (a
/// failover, ZooKeeper down), in a small file beside the job's results on <c>paths.dist</c>, which every coordinator
/// shares, so that SQL goes on running over the catalog the coordinator already knows and any coordinator can answer
/// for the job. Once a master is active again the files are handed to it and removed.
/// </summary>
/// <remarks>
/// <para>A job's state never moves back, so recording one twice, or a file's state after the master already has a
/// later one from elsewhere, changes nothing the master keeps (see <c>MetadataStore.RecordJob</c>).</para>
/// <para>Files are handed over by their own coordinator, or by any coordinator once theirs is no longer Active (then a
/// job that had not finished is recorded Interrupted, as the master's sweeper does for a coordinator that dies).</para>
/// <para>Without a master nobody can tell who is an admin, so a job kept here is shown only to the user who submitted
/// it.</para>
/// </remarks>
internal sealed partial class JobLedger : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ActiveMasterFollower _masters;
    private readonly IClusterMembershipService _membership;
    private readonly ILocalSiloDetails _silo;
    private readonly ILogger<JobLedger> _logger;
    private readonly MasterCalls _master;
    private readonly string _directory;
    private readonly SemaphoreSlim _handingOver = new(1, 1);

    // Jobs this coordinator has kept in a file, so that a record with the master removes the file without a
    // file system call per record for the jobs never kept (nearly all).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> _kept = new();

    public JobLedger(
        IGrainFactory grains,
        ActiveMasterFollower masters,
        IClusterMembershipService membership,
        ILocalSiloDetails silo,
        IOptions<QueryOptions> options,
        ILogger<JobLedger> logger)
    {
        _masters = masters;
        _membership = membership;
        _silo = silo;
        _logger = logger;

        // As patient as the catalog's version check: a failover of a fraction of a second still records with the
        // master; a longer outage keeps the job here rather than holding it back.
        _master = new MasterCalls(grains, masters, CatalogCache.WaitForNewMaster);
        _directory = Path.Combine(options.Value.PathsDist, "jobs");
        _masters.Changed += OnMasterChanged;
    }

    /// <summary>Records <paramref name="job"/> for its submitter (the call's <see cref="Caller"/>): with the master, or here without one.</summary>
    public async Task<JobInfo> RecordAsync(JobInfo job)
    {
        job = job with { Owner = Caller.Current };
        if (_masters.Current is not null)
        {
            try
            {
                JobInfo recorded = await _master.ReadAsync(m => m.RecordJobAsync(job), CancellationToken.None);
                if (_kept.TryRemove(job.Id, out _))
                {
                    Delete(PathOf(job.Id));
                }

                return recorded;
            }
            catch (Exception ex) when (ex is NoActiveMasterException || MasterCalls.IsNodeLost(ex))
            {
                // No master, or one this coordinator cannot reach (a partition): kept here below, handed over when a
                // master is reachable again. Should the lost call have been applied after all, recording it twice is harmless.
            }
        }

        _kept[job.Id] = 0;
        await WriteAsync(job);
        LogKept(_logger, job.Id, job.State);
        return job;
    }

    /// <summary>A job kept here (by any coordinator) that the master does not have yet, as its submitter may see it; else null.</summary>
    public async Task<JobInfo?> FindKeptAsync(Guid id, CancellationToken cancellationToken)
    {
        JobInfo? job = await ReadAsync(PathOf(id), cancellationToken);
        return job is not null && (job.Owner is null || job.Owner == Caller.Current) ? job : null;
    }

    public void Dispose()
    {
        _masters.Changed -= OnMasterChanged;
        _handingOver.Dispose();
    }

    private void OnMasterChanged(MasterInfo? master)
    {
        if (master is not null)
        {
            _ = Task.Run(HandOverAsync);
        }
    }

    /// <summary>Gives the master every kept job this coordinator may hand over; what fails stays for the next master.</summary>
    private async Task HandOverAsync()
    {
        if (!Directory.Exists(_directory) || !await _handingOver.WaitAsync(0))
        {
            return;
        }

        try
        {
            foreach (string path in Directory.EnumerateFiles(_directory, "*" + Extension))
            {
                if (await ReadAsync(path, CancellationToken.None) is not { } job || HandOverAs(job) is not { } handed)
                {
                    continue;
                }

                using var owner = new CallerScope(job.Owner);
                await _master.ReadAsync(m => m.RecordJobAsync(handed), CancellationToken.None);
                Delete(path);
                _kept.TryRemove(job.Id, out _);
                LogHandedOver(_logger, job.Id, handed.State);
            }
        }
        catch (Exception ex) when (ex is NoActiveMasterException or OrleansException or TimeoutException or IOException)
        {
            LogHandOverFailed(_logger, ex.Message);
        }
        finally
        {
            _handingOver.Release();
        }
    }

    /// <summary>The record to hand over for a kept job: its own (ours), Interrupted if its coordinator is gone and it had not finished, or null (another live coordinator's).</summary>
    private JobInfo? HandOverAs(JobInfo job)
    {
        if (job.Coordinator == _silo.SiloAddress.ToParsableString())
        {
            return job;
        }

        SiloStatus status = _membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(job.Coordinator));
        if (status == SiloStatus.Active)
        {
            return null;
        }

        return job.IsFinished
            ? job
            : job with { State = JobState.Interrupted, EndedAt = DateTimeOffset.UtcNow, Error = "Its coordinator was lost while no master was active." };
    }

    private const string Extension = ".job.json";

    private string PathOf(Guid id) => Path.Combine(_directory, id.ToString("N") + Extension);

    private async Task WriteAsync(JobInfo job)
    {
        Directory.CreateDirectory(_directory);
        string path = PathOf(job.Id);
        string partial = path + ".partial";

        // Whole or not at all: a reader on another coordinator never sees half a record.
        await File.WriteAllBytesAsync(partial, JsonSerializer.SerializeToUtf8Bytes(job, Json));
        File.Move(partial, path, overwrite: true);
    }

    private static async Task<JobInfo?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        // Nearly every lookup finds nothing kept: answer that without an exception.
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<JobInfo>(await File.ReadAllBytesAsync(path, cancellationToken), Json);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was ever kept here.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No master is active: job {JobId} is kept {State} on paths.dist until one is")]
    private static partial void LogKept(ILogger logger, Guid jobId, JobState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}, kept while no master was active, is recorded with the master as {State}")]
    private static partial void LogHandedOver(ILogger logger, Guid jobId, JobState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing the kept jobs to the master failed; they stay for the next master: {Reason}")]
    private static partial void LogHandOverFailed(ILogger logger, string reason);

    /// <summary>The kept job's submitter as the caller of its hand-over, so the master records them as its owner.</summary>
    private readonly struct CallerScope : IDisposable
    {
        public CallerScope(string? user)
        {
            if (user is null)
            {
                Caller.Clear();
            }
            else
            {
                Caller.Set(user);
            }
        }

        public void Dispose() => Caller.Clear();
    }
}
