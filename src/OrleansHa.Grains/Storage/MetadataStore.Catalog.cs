using System.Globalization;
using Microsoft.Data.Sqlite;
using OrleansHa.Abstractions;

namespace OrleansHa.Grains.Storage;

/// <summary>The catalog slice: spaces, and versioned key/value entries within a space.</summary>
internal sealed partial class MetadataStore
{
    /// <summary>Creates the space <paramref name="name"/>.</summary>
    /// <exception cref="CatalogConflictException">It exists.</exception>
    public void CreateSpace(string name)
    {
        CatalogNames.Validate(name, nameof(name));
        Write(transaction =>
        {
            if (SpaceExists(transaction, name))
            {
                throw new CatalogConflictException($"Space '{name}' already exists.");
            }

            Execute(
                _connection,
                transaction,
                "INSERT INTO spaces(name, created_at, created_epoch) VALUES (@name, @at, @epoch);",
                ("@name", name),
                ("@at", Timestamp(_time)),
                ("@epoch", Epoch));
            return true;
        });
    }

    /// <summary>Drops the space <paramref name="name"/> and all its entries.</summary>
    /// <exception cref="CatalogNotFoundException">It does not exist.</exception>
    public void DropSpace(string name)
    {
        CatalogNames.Validate(name, nameof(name));
        Write(transaction =>
        {
            RequireSpace(transaction, name);
            Execute(_connection, transaction, "DELETE FROM entries WHERE space = @name;", ("@name", name));
            Execute(_connection, transaction, "DELETE FROM spaces WHERE name = @name;", ("@name", name));
            return true;
        });
    }

    /// <summary>The names of all spaces, in ordinal order.</summary>
    public IReadOnlyList<string> ListSpaces() => Read(transaction => ReadNames(transaction, "SELECT name FROM spaces ORDER BY name;"));

    /// <summary>The first column of every row of <paramref name="sql"/>, as strings.</summary>
    private List<string> ReadNames(SqliteTransaction transaction, string sql)
    {
        using var command = Command(_connection, transaction, sql, []);
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>
    /// Writes <paramref name="value"/> under <paramref name="key"/> in <paramref name="space"/> and returns the entry's
    /// new version (1 for a new entry, then +1 per write). With <paramref name="expectedVersion"/> set, the write is a
    /// compare-and-set: it applies only if the entry's version is that number (0 meaning "the entry must not exist").
    /// </summary>
    /// <exception cref="CatalogNotFoundException">The space does not exist.</exception>
    /// <exception cref="CatalogConflictException">The entry's version is not <paramref name="expectedVersion"/>.</exception>
    public long PutEntry(string space, string key, string value, long? expectedVersion)
    {
        CatalogNames.Validate(space, nameof(space));
        CatalogNames.Validate(key, nameof(key));
        ArgumentNullException.ThrowIfNull(value);
        if (expectedVersion is { } expected)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(expected, nameof(expectedVersion));
        }

        return Write(transaction =>
        {
            RequireSpace(transaction, space);
            var current = CurrentVersion(transaction, space, key);
            CheckVersion(space, key, expectedVersion, current);
            var version = (current ?? 0) + 1;
            Execute(
                _connection,
                transaction,
                """
                INSERT INTO entries(space, key, value, version, updated_epoch) VALUES (@space, @key, @value, @version, @epoch)
                ON CONFLICT(space, key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_epoch = excluded.updated_epoch;
                """,
                ("@space", space),
                ("@key", key),
                ("@value", value),
                ("@version", version),
                ("@epoch", Epoch));
            return version;
        });
    }

    /// <summary>The entry, or null if the space has no such key.</summary>
    /// <exception cref="CatalogNotFoundException">The space does not exist.</exception>
    public CatalogEntry? GetEntry(string space, string key)
    {
        CatalogNames.Validate(space, nameof(space));
        CatalogNames.Validate(key, nameof(key));
        return Read(transaction =>
        {
            RequireSpace(transaction, space);
            using var command = Command(
                _connection,
                transaction,
                "SELECT space, key, value, version FROM entries WHERE space = @space AND key = @key;",
                [("@space", space), ("@key", key)]);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadEntry(reader) : null;
        });
    }

    /// <summary>All entries of <paramref name="space"/>, in ordinal key order.</summary>
    /// <exception cref="CatalogNotFoundException">The space does not exist.</exception>
    public IReadOnlyList<CatalogEntry> ListEntries(string space)
    {
        CatalogNames.Validate(space, nameof(space));
        return Read(transaction =>
        {
            RequireSpace(transaction, space);
            using var command = Command(
                _connection,
                transaction,
                "SELECT space, key, value, version FROM entries WHERE space = @space ORDER BY key;",
                [("@space", space)]);
            using var reader = command.ExecuteReader();
            var entries = new List<CatalogEntry>();
            while (reader.Read())
            {
                entries.Add(ReadEntry(reader));
            }

            return entries;
        });
    }

    /// <summary>
    /// Deletes the entry; false if there was none. With <paramref name="expectedVersion"/> set it applies only if the
    /// entry's version is that number (0: absent, which deletes nothing and returns false).
    /// </summary>
    /// <exception cref="CatalogNotFoundException">The space does not exist.</exception>
    /// <exception cref="CatalogConflictException">The entry's version is not <paramref name="expectedVersion"/>.</exception>
    public bool DeleteEntry(string space, string key, long? expectedVersion = null)
    {
        CatalogNames.Validate(space, nameof(space));
        CatalogNames.Validate(key, nameof(key));
        if (expectedVersion is { } expected)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(expected, nameof(expectedVersion));
        }

        return Write(transaction =>
        {
            RequireSpace(transaction, space);
            var current = CurrentVersion(transaction, space, key);
            CheckVersion(space, key, expectedVersion, current);
            return current is not null
                && Execute(_connection, transaction, "DELETE FROM entries WHERE space = @space AND key = @key;", ("@space", space), ("@key", key)) == 1;
        });
    }

    /// <summary>
    /// The master's heartbeat in the store: one durable write transaction (so it proves the shared drive takes writes
    /// and that no newer epoch has been recorded) that notes when this master was last alive.
    /// </summary>
    /// <exception cref="StaleEpochException">A newer master has recorded its epoch.</exception>
    public void RecordAlive() => Write(transaction => Execute(
        _connection,
        transaction,
        "UPDATE epochs SET last_alive_at = @at WHERE epoch = @epoch;",
        ("@at", Timestamp(_time)),
        ("@epoch", Epoch)));

    /// <summary>When the master before this one was last known alive (its last heartbeat), or null if none was recorded.</summary>
    public DateTimeOffset? PreviousMasterLastAlive() => Read(transaction =>
        Scalar(
            _connection,
            transaction,
            "SELECT last_alive_at FROM epochs WHERE epoch < @epoch AND last_alive_at IS NOT NULL ORDER BY epoch DESC LIMIT 1;",
            ("@epoch", Epoch)) is string at
            ? DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
            : (DateTimeOffset?)null);

    /// <summary>
    /// Test hook: records <paramref name="epoch"/> as if a newer master had opened the store. The exclusive lock
    /// makes that impossible from outside, so this is the only way to exercise the write guard.
    /// </summary>
    internal void RecordEpochForTesting(long epoch, string nodeName)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Execute(
                _connection,
                null,
                "INSERT INTO epochs(epoch, node, started_at) VALUES (@epoch, @node, @at);",
                ("@epoch", epoch),
                ("@node", nodeName),
                ("@at", Timestamp(_time)));
        }
    }

    /// <summary>One write transaction, after proving that no newer epoch has been recorded; committed (and durable) on return.</summary>
    private T Write<T>(Func<SqliteTransaction, T> body)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _connection.BeginTransaction();
            var highest = HighestEpoch(_connection, transaction);
            if (highest != Epoch)
            {
                throw new StaleEpochException(Directory, Epoch, highest);
            }

            var result = body(transaction);
            transaction.Commit();
            return result;
        }
    }

    private T Read<T>(Func<SqliteTransaction, T> body)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _connection.BeginTransaction(deferred: true);
            return body(transaction);
        }
    }

    private bool SpaceExists(SqliteTransaction transaction, string name) =>
        Scalar(_connection, transaction, "SELECT 1 FROM spaces WHERE name = @name;", ("@name", name)) is not null;

    private void RequireSpace(SqliteTransaction transaction, string name)
    {
        if (!SpaceExists(transaction, name))
        {
            throw new CatalogNotFoundException($"Space '{name}' does not exist.");
        }
    }

    private long? CurrentVersion(SqliteTransaction transaction, string space, string key) =>
        Scalar(_connection, transaction, "SELECT version FROM entries WHERE space = @space AND key = @key;", ("@space", space), ("@key", key)) is { } version
            ? Convert.ToInt64(version, CultureInfo.InvariantCulture)
            : null;

    private static void CheckVersion(string space, string key, long? expectedVersion, long? current)
    {
        if (expectedVersion is { } expected && expected != (current ?? 0))
        {
            var actual = current is { } v ? $"its version is {v}" : "it does not exist";
            throw new CatalogConflictException($"Entry '{key}' in space '{space}' was expected at version {expected}, but {actual}.");
        }
    }

    private static CatalogEntry ReadEntry(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3));
}
