using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OrleansHa.Grains.Storage;

/// <summary>
/// The cluster's system metadata (ARCHITECTURE.md §4.3): one SQLite database, <c>&lt;paths.db&gt;/metadata.db</c>,
/// written by exactly one master. Opening it takes SQLite's exclusive lock for the life of this object (WAL journal
/// with <c>locking_mode=EXCLUSIVE</c>, so no shared-memory file is used, which also suits network file systems) and
/// records the opener's epoch; it refuses a stale epoch and a store that is not the cluster's. Every write is one
/// transaction that first checks that no newer epoch has been recorded, and is durable when it returns
/// (<c>synchronous=FULL</c>).
/// </summary>
/// <remarks>
/// <para>One connection, serialized by a lock, because a master serves requests concurrently.</para>
/// <para>Pooling is off: a pooled connection would keep the exclusive lock after <see cref="Dispose"/>.</para>
/// <para>SQLite's file locks are POSIX locks, which a process loses when it closes <em>any</em> descriptor of the
/// file; nothing else in the process may open <c>metadata.db</c> (or its <c>-wal</c>) directly while a store is open.</para>
/// </remarks>
internal sealed partial class MetadataStore : IDisposable
{
    /// <summary>Name of the database file inside the <c>paths.db</c> directory.</summary>
    internal const string FileName = "metadata.db";

    /// <summary>Schema version kept in <c>PRAGMA user_version</c>.</summary>
    internal const int SchemaVersion = 5;

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private bool _disposed;

    private MetadataStore(SqliteConnection connection, string directory, OpenResult opened, long epoch, string nodeName, TimeProvider time)
    {
        _connection = connection;
        _time = time;
        Directory = directory;
        DatabasePath = Path.Combine(directory, FileName);
        StoreId = opened.StoreId;
        LastEpochBefore = opened.LastEpochBefore;
        Epoch = epoch;
        NodeName = nodeName;
    }

    /// <summary>The <c>paths.db</c> directory (full path).</summary>
    public string Directory { get; }

    /// <summary>Full path of <c>metadata.db</c>.</summary>
    public string DatabasePath { get; }

    /// <summary>The store's identity, a GUID created when the store was first opened; ZooKeeper keeps it to detect a foreign <c>paths.db</c>.</summary>
    public string StoreId { get; }

    /// <summary>The epoch this store was opened with; every write checks it is still the highest recorded.</summary>
    public long Epoch { get; }

    /// <summary>The highest epoch recorded before this open (0 for a new store).</summary>
    public long LastEpochBefore { get; }

    /// <summary>The node that opened the store (recorded with the epoch).</summary>
    public string NodeName { get; }

    /// <summary>
    /// Opens (creating on first use) the store in <paramref name="directory"/>, takes its exclusive lock, and in one
    /// transaction checks and records <paramref name="epoch"/>. Nothing is changed when it refuses.
    /// </summary>
    /// <param name="directory">The <c>paths.db</c> directory; created if missing.</param>
    /// <param name="epoch">This master's epoch (fencing token), positive.</param>
    /// <param name="nodeName">Recorded with the epoch, for operators.</param>
    /// <param name="expectedStoreId">The store id the cluster knows (from ZooKeeper), or null if it knows none yet.</param>
    /// <param name="options">Null for <see cref="MetadataStoreOptions.Default"/>.</param>
    /// <exception cref="MetadataStoreLockedException">Another connection holds the store (after <see cref="MetadataStoreOptions.LockTimeout"/>).</exception>
    /// <exception cref="ForeignStoreException"><paramref name="expectedStoreId"/> is set and this store's id differs (checked first).</exception>
    /// <exception cref="StaleEpochException">The store has already recorded an epoch ≥ <paramref name="epoch"/>.</exception>
    public static MetadataStore Open(string directory, long epoch, string nodeName, string? expectedStoreId, MetadataStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epoch);
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        if (expectedStoreId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(expectedStoreId);
        }

        options ??= MetadataStoreOptions.Default;
        var timeoutSeconds = options.LockTimeoutSeconds;
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(directory, FileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = timeoutSeconds,
            ForeignKeys = true,
        }.ToString());
        try
        {
            connection.Open();
            TakeExclusiveLock(connection, directory, TimeSpan.FromSeconds(timeoutSeconds));
            var opened = RecordEpoch(connection, directory, epoch, nodeName, expectedStoreId, options.TimeProvider);
            return new MetadataStore(connection, directory, opened, epoch, nodeName, options.TimeProvider);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes the connection, which releases the exclusive lock (and checkpoints the WAL).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
    }

    private static void TakeExclusiveLock(SqliteConnection connection, string directory, TimeSpan timeout)
    {
        try
        {
            // locking_mode first: in EXCLUSIVE mode before the first WAL access, SQLite keeps the WAL index in heap
            // memory and never creates the -shm file.
            Execute(connection, null, "PRAGMA locking_mode=EXCLUSIVE;");
            var journal = Scalar(connection, null, "PRAGMA journal_mode=WAL;") as string;
            if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new IOException($"The metadata store in {directory} could not switch to WAL journaling (journal_mode is {journal ?? "unknown"}).");
            }

            Execute(connection, null, "PRAGMA synchronous=FULL;");

            // Take (and, in exclusive mode, keep) the write lock now, so a second opener fails here, not at its first write.
            Execute(connection, null, "BEGIN EXCLUSIVE; COMMIT;");
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SqliteBusy or SqliteLocked)
        {
            throw new MetadataStoreLockedException(directory, timeout, e);
        }
    }

    private static OpenResult RecordEpoch(
        SqliteConnection connection, string directory, long epoch, string nodeName, string? expectedStoreId, TimeProvider time)
    {
        using var transaction = connection.BeginTransaction();
        var version = Convert.ToInt64(Scalar(connection, transaction, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
        if (version == 0)
        {
            CreateSchema(connection, transaction);
        }

        if (version < 2)
        {
            AddSources(connection, transaction);
        }

        if (version < 3)
        {
            AddJobs(connection, transaction);
        }

        if (version < 4)
        {
            AddViewsAndUsers(connection, transaction);
        }

        if (version < 5)
        {
            AddLastAlive(connection, transaction);
        }
        else if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The metadata store in {directory} has schema version {version}, newer than this node understands ({SchemaVersion}); upgrade this node.");
        }

        var storeId = Scalar(connection, transaction, "SELECT id FROM store;") as string;
        var createdNow = storeId is null;
        if (storeId is null)
        {
            storeId = Guid.NewGuid().ToString("D");
            Execute(connection, transaction, "INSERT INTO store(singleton, id) VALUES (1, @id);", ("@id", storeId));
        }

        if (expectedStoreId is not null && !string.Equals(storeId, expectedStoreId, StringComparison.OrdinalIgnoreCase))
        {
            throw new ForeignStoreException(directory, expectedStoreId, storeId, createdNow);
        }

        var last = HighestEpoch(connection, transaction);
        if (last >= epoch)
        {
            throw new StaleEpochException(directory, epoch, last);
        }

        Execute(
            connection,
            transaction,
            "INSERT INTO epochs(epoch, node, started_at) VALUES (@epoch, @node, @at);",
            ("@epoch", epoch),
            ("@node", nodeName),
            ("@at", Timestamp(time)));
        transaction.Commit();
        return new OpenResult(storeId, last);
    }

    private static void CreateSchema(SqliteConnection connection, SqliteTransaction transaction) =>
        Execute(
            connection,
            transaction,
            """
            CREATE TABLE IF NOT EXISTS store(
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                id TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS epochs(
                epoch INTEGER PRIMARY KEY,
                node TEXT NOT NULL,
                started_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS spaces(
                name TEXT PRIMARY KEY,
                created_at TEXT NOT NULL,
                created_epoch INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS entries(
                space TEXT NOT NULL REFERENCES spaces(name),
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                version INTEGER NOT NULL,
                updated_epoch INTEGER NOT NULL,
                PRIMARY KEY (space, key));
            PRAGMA user_version = 1;
            """);

    /// <summary>Schema 2: sources, a name for a directory of data files on a shared path.</summary>
    private static void AddSources(SqliteConnection connection, SqliteTransaction transaction) =>
        Execute(
            connection,
            transaction,
            """
            CREATE TABLE IF NOT EXISTS sources(
                name TEXT PRIMARY KEY,
                path TEXT NOT NULL,
                created_at TEXT NOT NULL,
                created_epoch INTEGER NOT NULL);
            PRAGMA user_version = 2;
            """);

    /// <summary>Schema 3: jobs.</summary>
    private static void AddJobs(SqliteConnection connection, SqliteTransaction transaction) =>
        Execute(
            connection,
            transaction,
            """
            CREATE TABLE IF NOT EXISTS jobs(
                id TEXT PRIMARY KEY,
                sql TEXT NOT NULL,
                state TEXT NOT NULL,
                submitted_at TEXT NOT NULL,
                started_at TEXT,
                ended_at TEXT,
                row_count INTEGER NOT NULL,
                error TEXT,
                coordinator TEXT NOT NULL,
                updated_epoch INTEGER NOT NULL);
            PRAGMA user_version = 3;
            """);

    /// <summary>
    /// Schema 4: views (a name for SQL text), users (salted slow hashes only), one catalog version that every change
    /// to sources or views bumps (so coordinators can cache the catalog and refetch only when it moved), and an index
    /// that finds unfinished jobs.
    /// </summary>
    private static void AddViewsAndUsers(SqliteConnection connection, SqliteTransaction transaction) =>
        Execute(
            connection,
            transaction,
            """
            CREATE TABLE IF NOT EXISTS views(
                name TEXT PRIMARY KEY,
                sql TEXT NOT NULL,
                version INTEGER NOT NULL,
                updated_at TEXT NOT NULL,
                updated_epoch INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS users(
                name TEXT PRIMARY KEY,
                password_hash TEXT NOT NULL,
                created_at TEXT NOT NULL,
                created_epoch INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS catalog_version(
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                version INTEGER NOT NULL);
            INSERT OR IGNORE INTO catalog_version(singleton, version) VALUES (1, 1);
            CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state);
            PRAGMA user_version = 4;
            """);

    /// <summary>
    /// Schema 5: when each master was last known alive (its heartbeat's store transaction), so the next master can
    /// tell how long the cluster was without one.
    /// </summary>
    private static void AddLastAlive(SqliteConnection connection, SqliteTransaction transaction)
    {
        // Idempotent like the CREATE ... IF NOT EXISTS of the other steps (SQLite has no ADD COLUMN IF NOT EXISTS).
        if (Scalar(connection, transaction, "SELECT 1 FROM pragma_table_info('epochs') WHERE name = 'last_alive_at';") is null)
        {
            Execute(connection, transaction, "ALTER TABLE epochs ADD COLUMN last_alive_at TEXT;");
        }

        Execute(connection, transaction, "PRAGMA user_version = 5;");
    }

    private static long HighestEpoch(SqliteConnection connection, SqliteTransaction transaction) =>
        Convert.ToInt64(Scalar(connection, transaction, "SELECT COALESCE(MAX(epoch), 0) FROM epochs;"), CultureInfo.InvariantCulture);

    private static string Timestamp(TimeProvider time) => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static SqliteCommand Command(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, ReadOnlySpan<(string Name, object Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // Every caller passes a constant; values travel as parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private static int Execute(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object Value)> parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static object? Scalar(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object Value)> parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        var result = command.ExecuteScalar();
        return result is DBNull ? null : result;
    }

    private readonly record struct OpenResult(string StoreId, long LastEpochBefore);
}
