using System.Globalization;
using Microsoft.Data.Sqlite;
using OrleansHa.Abstractions;

namespace OrleansHa.Grains.Storage;

/// <summary>Jobs: the master's record of every query, so that any coordinator can answer for any job.</summary>
internal sealed partial class MetadataStore
{
    /// <summary>
    /// Records <paramref name="job"/>. A finished job is never changed again: a late "running" from a coordinator
    /// cannot undo a "canceled".
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
                INSERT INTO jobs(id, sql, state, submitted_at, started_at, ended_at, row_count, error, coordinator, updated_epoch)
                VALUES (@id, @sql, @state, @submitted, @started, @ended, @rows, @error, @coordinator, @epoch)
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
                ("@epoch", Epoch));
            return job;
        });
    }

    public JobInfo? GetJob(Guid id) => Read(transaction => ReadJob(transaction, id));

    /// <summary>The <paramref name="limit"/> most recently submitted jobs, newest first.</summary>
    public IReadOnlyList<JobInfo> ListJobs(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Read(transaction =>
        {
            using var command = Command(_connection, transaction, $"SELECT {JobColumns} FROM jobs ORDER BY submitted_at DESC, id LIMIT @limit;", [("@limit", limit)]);
            using var reader = command.ExecuteReader();
            var jobs = new List<JobInfo>();
            while (reader.Read())
            {
                jobs.Add(ReadJobRow(reader));
            }

            return (IReadOnlyList<JobInfo>)jobs;
        });
    }

    private const string JobColumns = "id, sql, state, submitted_at, started_at, ended_at, row_count, error, coordinator";

    private JobInfo? ReadJob(SqliteTransaction transaction, Guid id)
    {
        using var command = Command(_connection, transaction, $"SELECT {JobColumns} FROM jobs WHERE id = @id;", [("@id", id.ToString("D"))]);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadJobRow(reader) : null;
    }

    private static JobInfo ReadJobRow(SqliteDataReader reader)
    {
        static DateTimeOffset? When(SqliteDataReader r, int i) =>
            r.IsDBNull(i) ? null : DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

        return new JobInfo(
            Guid.Parse(reader.GetString(0)),
            reader.GetString(1),
            Enum.Parse<JobState>(reader.GetString(2)),
            When(reader, 3)!.Value,
            When(reader, 4),
            When(reader, 5),
            reader.GetInt64(6),
            reader.IsDBNull(7) ? null : reader.GetString(7),
            reader.GetString(8));
    }
}
