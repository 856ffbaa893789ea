using System.Globalization;
using Microsoft.Data.Sqlite;
using OrleansHa.Abstractions;

namespace OrleansHa.Grains.Storage;

/// <summary>Jobs: the master's record of every query, so that any coordinator can answer for any job.</summary>
internal sealed partial class MetadataStore
{
    /// <summary>
    /// Records <paramref name="job"/>. A finished job is never changed again: a late "running" from a coordinator
    /// cannot undo a "canceled". Its <see cref="JobInfo.Owner"/> is kept from the first record on.
    /// </summary>
    /// <returns>The job as recorded now.</returns>
    public JobInfo RecordJob(JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Write(transaction =>
        {
            JobInfo? current = ReadJob(transaction, job.Id);
            if (current is not null && (current.IsFinished || current.State > job.State))
            {
                return current;
            }

            Execute(
                _connection,
                transaction,
                """
                INSERT INTO jobs(id, sql, state, submitted_at, started_at, ended_at, row_count, error, coordinator, updated_epoch, owner)
                VALUES (@id, @sql, @state, @submitted, @started, @ended, @rows, @error, @coordinator, @epoch, @owner)
                ON CONFLICT(id) DO UPDATE SET state = excluded.state, started_at = COALESCE(excluded.started_at, jobs.started_at), ended_at = excluded.ended_at,
                    row_count = excluded.row_count, error = excluded.error, updated_epoch = excluded.updated_epoch;
                """,
                ("@id", job.Id.ToString("D")),
                ("@sql", job.Sql),
                ("@state", job.State.ToString()),
                ("@submitted", job.SubmittedAt.ToString("O", CultureInfo.InvariantCulture)),
                ("@started", (object?)job.StartedAt?.ToString("O", CultureInfo.InvariantCulture) ?? DBNull.Value),
                ("@ended", (object?)job.EndedAt?.ToString("O", CultureInfo.InvariantCulture) ?? DBNull.Value),
                ("@rows", job.RowCount),
                ("@error", (object?)job.Error ?? DBNull.Value),
                ("@coordinator", job.Coordinator),
                ("@epoch", Epoch),
                ("@owner", (object?)job.Owner ?? DBNull.Value));
            return current is null ? job : job with { Owner = current.Owner };
        });
    }

    public JobInfo? GetJob(Guid id) => Read(transaction => ReadJob(transaction, id));

    /// <summary>Jobs not finished yet (submitted or running), oldest first: the master sweeps those whose coordinator died.</summary>
    public IReadOnlyList<JobInfo> UnfinishedJobs() => Read(transaction => ReadJobs(
        transaction, "WHERE state IN (@submitted, @running) ORDER BY submitted_at", ("@submitted", nameof(JobState.Submitted)), ("@running", nameof(JobState.Running))));

    /// <summary>The <paramref name="limit"/> most recently submitted jobs, newest first; with <paramref name="owner"/>, only that user's.</summary>
    public IReadOnlyList<JobInfo> ListJobs(int limit, string? owner = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Read(transaction => owner is null
            ? ReadJobs(transaction, "ORDER BY submitted_at DESC, id LIMIT @limit", ("@limit", limit))
            : ReadJobs(transaction, "WHERE owner = @owner ORDER BY submitted_at DESC, id LIMIT @limit", ("@owner", owner), ("@limit", limit)));
    }

    private JobInfo? ReadJob(SqliteTransaction transaction, Guid id) =>
        ReadJobs(transaction, "WHERE id = @id", ("@id", id.ToString("D"))).SingleOrDefault();

    private List<JobInfo> ReadJobs(SqliteTransaction transaction, string condition, params ReadOnlySpan<(string Name, object Value)> parameters)
    {
        using var command = Command(
            _connection,
            transaction,
            "SELECT id, sql, state, submitted_at, started_at, ended_at, row_count, error, coordinator, owner FROM jobs " + condition + ";",
            parameters);
        using var reader = command.ExecuteReader();
        static DateTimeOffset? When(SqliteDataReader r, int i) =>
            r.IsDBNull(i) ? null : DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

        var jobs = new List<JobInfo>();
        while (reader.Read())
        {
            jobs.Add(new JobInfo(
                Guid.Parse(reader.GetString(0)),
                reader.GetString(1),
                Enum.Parse<JobState>(reader.GetString(2)),
                When(reader, 3)!.Value,
                When(reader, 4),
                When(reader, 5),
                reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetString(8))
            {
                Owner = reader.IsDBNull(9) ? null : reader.GetString(9),
            });
        }

        return jobs;
    }
}
