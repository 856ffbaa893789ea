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

    private JobInfo? ReadJob(SqliteTransaction transaction, Guid id)
    {
        using var command = Command(
            _connection,
            transaction,
            "SELECT sql, state, submitted_at, started_at, ended_at, row_count, error, coordinator FROM jobs WHERE id = @id;",
            [("@id", id.ToString("D"))]);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        static DateTimeOffset? When(SqliteDataReader r, int i) =>
            r.IsDBNull(i) ? null : DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

        return new JobInfo(
            id,
            reader.GetString(0),
            Enum.Parse<JobState>(reader.GetString(1)),
            When(reader, 2)!.Value,
            When(reader, 3),
            When(reader, 4),
            reader.GetInt64(5),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.GetString(7));
    }
}
