using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Query.Engine;

/// <summary>
/// Runs one SQL query on DuckDB inside a sandbox and streams its result as columnar <see cref="ResultBatch"/>es.
/// </summary>
/// <remarks>
/// <para>Each query gets a fresh in-memory DuckDB database, set up before the query runs with
/// <see cref="SettingsFor"/> (then the sandbox's views are created): no extension is installed or loaded on demand;
/// the memory limit, thread count and spill directory of the <see cref="QuerySandbox"/>; only the allowed directories
/// are reachable
/// (<c>allowed_directories</c>, with <c>enable_external_access=false</c>: no other file, no network, no
/// <c>INSTALL</c>/<c>LOAD</c>, no <c>ATTACH</c> outside); and then <c>lock_configuration=true</c>, after which no SET,
/// RESET or PRAGMA can change any of it.</para>
/// <para>Before running, the query must be a single statement that reads (<see cref="StatementCheck"/>, which also keeps
/// <c>COPY TO</c> and friends from writing into the allowed directories, which DuckDB would allow) and call none of the
/// few table functions that get around the locked configuration (<see cref="SqlGuard"/>).</para>
/// <para>All DuckDB calls of a query happen on one dedicated thread, so a long query never blocks a thread-pool (and so
/// Orleans) thread. That thread fills a batch of <see cref="QuerySandbox.BatchSize"/> rows from DuckDB's streaming result
/// and hands it over through a channel that holds one batch: it reads ahead by at most one batch and waits for the
/// consumer, so a large result never sits whole in memory, neither in DuckDB nor here.</para>
/// <para>The timeout (counted from the start of the enumeration), the caller's token and an abandoned enumeration all
/// interrupt DuckDB (<c>duckdb_interrupt</c>, repeated every few milliseconds until the engine thread is done, so an
/// interrupt that lands between two statements is not lost), and the consumer is released at once with a
/// <see cref="QueryFailedException"/> of kind <see cref="QueryFailureKind.Timeout"/> or
/// <see cref="QueryFailureKind.Canceled"/>; the engine thread then disposes the database.</para>
/// <para>Errors are <see cref="QueryFailedException"/>s: <see cref="QueryFailureKind.Permission"/> for what the
/// sandbox refuses, <see cref="QueryFailureKind.MemoryLimit"/> for DuckDB's out-of-memory errors and
/// <see cref="QueryFailureKind.Sql"/>, with DuckDB's message, for the rest.</para>
/// </remarks>
internal sealed class SandboxedDuckDb
{
    private const string InMemory = "DataSource=:memory:";

    // How often a stopped query is interrupted again until its engine thread has let go of DuckDB.
    private static readonly TimeSpan ReinterruptPeriod = TimeSpan.FromMilliseconds(20);

    private readonly string _sql;
    private readonly QuerySandbox _sandbox;
    private readonly Action? _onReleased;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _stopToken;
    private readonly CancellationTokenRegistration _stopRegistration;
    private readonly Channel<ResultBatch> _batches;
    private readonly Lock _gate = new();
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly string? _spillDirectory;
    private DuckDBConnection? _connection;
    private DuckDBNativeConnection? _native;
    private DuckDBCommand? _command;
    private DuckDBDataReader? _reader;
    private ColumnBuffer[] _columns = [];
    private ResultColumn[] _schema = [];
    private Timer? _interrupter;
    private bool _released;
    private bool _exhausted;
    private bool _handedOutBatch;
    private int _owners = 2; // the consumer and the engine thread; the last one out disposes _stop

    private SandboxedDuckDb(string sql, QuerySandbox sandbox, Action? onReleased, CancellationToken ct)
    {
        _sql = sql;
        _sandbox = sandbox;
        _onReleased = onReleased;
        _callerToken = ct;
        _spillDirectory = sandbox.TempDirectory is { } temp
            ? Path.Join(temp, "query-" + Guid.NewGuid().ToString("N"))
            : null;
        _batches = Channel.CreateBounded<ResultBatch>(new BoundedChannelOptions(1)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _stopToken = _stop.Token;
        _stop.CancelAfter(sandbox.Timeout);
        _stopRegistration = _stopToken.UnsafeRegister(static state => ((SandboxedDuckDb)state!).OnStop(), this);
    }

    /// <summary>
    /// Runs <paramref name="sql"/> in <paramref name="sandbox"/>, yielding its result in batches of at most
    /// <see cref="QuerySandbox.BatchSize"/> rows (a result without rows yields one empty batch, for its columns).
    /// Failures are <see cref="QueryFailedException"/>s; stopping the enumeration early stops the query.
    /// </summary>
    public static IAsyncEnumerable<ResultBatch> ExecuteAsync(string sql, QuerySandbox sandbox, CancellationToken ct = default) =>
        ExecuteAsync(sql, sandbox, onReleased: null, ct);

    /// <inheritdoc cref="ExecuteAsync(string, QuerySandbox, CancellationToken)"/>
    /// <param name="sql">The query.</param>
    /// <param name="sandbox">What it may use.</param>
    /// <param name="onReleased">Called on the engine thread once DuckDB has stopped and the database is disposed.</param>
    /// <param name="ct">Cancels the query.</param>
    internal static async IAsyncEnumerable<ResultBatch> ExecuteAsync(
        string sql,
        QuerySandbox sandbox,
        Action? onReleased,
        [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(sandbox);
        var run = new SandboxedDuckDb(sql, sandbox, onReleased, ct);
        try
        {
            run.StartEngineThread();
            while (await run.NextAsync() is { } batch)
            {
                yield return batch;
            }
        }
        finally
        {
            run.Abandon();
        }
    }

    /// <summary>The statements that set up a fresh connection for <paramref name="sandbox"/>, in the order they run.</summary>
    /// <param name="sandbox">The sandbox.</param>
    /// <param name="spillDirectory">This query's own spill directory, or null for none.</param>
    internal static IReadOnlyList<string> SettingsFor(QuerySandbox sandbox, string? spillDirectory) =>
    [
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        $"SET memory_limit = {Literal(sandbox.MemoryLimit)}",
        string.Create(CultureInfo.InvariantCulture, $"SET threads = {sandbox.Threads}"),
        $"SET temp_directory = {Literal(spillDirectory ?? string.Empty)}", // '' turns spilling off
        $"SET allowed_directories = [{string.Join(", ", sandbox.AllowedDirectories.Select(Literal))}]",
        "SET allowed_paths = []",
        "SET enable_external_access = false",
        "SET lock_configuration = true",
    ];

    /// <summary>
    /// A fresh in-memory DuckDB connection, set up for <paramref name="sandbox"/> and locked, with the sandbox's
    /// <see cref="QuerySandbox.Views"/> created (after the lock, so they read only what the query could).
    /// </summary>
    internal static DuckDBConnection OpenSandboxedConnection(QuerySandbox sandbox, string? spillDirectory = null)
    {
        var connection = new DuckDBConnection(InMemory);
        try
        {
            connection.Open();
            foreach (var setting in SettingsFor(sandbox, spillDirectory))
            {
                Execute(connection, setting);
            }

            CreateViews(connection, sandbox.Views);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates the views, each checked like a query. DuckDB binds a view when it is created, so a view over another view
    /// must come after it: views that fail are tried again after the others, until a round makes no progress; then the
    /// first failure is the error (a view over a missing name, or invalid SQL).
    /// </summary>
    private static void CreateViews(DuckDBConnection connection, IReadOnlyDictionary<string, string> views)
    {
        var pending = views.ToList();
        while (pending.Count > 0)
        {
            var failed = new List<KeyValuePair<string, string>>();
            QueryFailedException? firstFailure = null;
            foreach (var (name, select) in pending)
            {
                try
                {
                    SqlGuard.EnsureNoForbiddenCall(select);
                    StatementCheck.EnsureSingleRead(connection.NativeConnection, select);
                    Execute(connection, $"CREATE VIEW \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" AS {select}");
                }
                catch (Exception ex) when (ex is DuckDBException or QueryFailedException { Kind: QueryFailureKind.Sql })
                {
                    // A name not bound yet may be a view still to come; anything the sandbox refuses fails at once.
                    QueryFailedException cause = ex as QueryFailedException ?? EngineErrors.FromDuckDb((DuckDBException)ex);
                    if (cause.Kind != QueryFailureKind.Sql)
                    {
                        throw cause;
                    }

                    failed.Add(new(name, select));
                    firstFailure ??= new QueryFailedException(cause.Kind, $"View '{name}' could not be created: {cause.Message}");
                }
            }

            if (failed.Count == pending.Count)
            {
                throw firstFailure!;
            }

            pending = failed;
        }
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private void StartEngineThread()
    {
        var thread = new Thread(RunEngine, maxStackSize: 8 * 1024 * 1024)
        {
            IsBackground = true,
            Name = "duckdb-query",
        };
        thread.Start();
    }

    // The engine thread: every DuckDB call of the query happens here, and here the database is disposed.
    private void RunEngine()
    {
        Exception? failure = null;
        try
        {
            Start();
            while (ReadBatch() is { } batch)
            {
                if (!_batches.Writer.TryWrite(batch))
                {
                    // Wait for the consumer to take the previous batch: this is what bounds memory.
                    _batches.Writer.WriteAsync(batch, _stopToken).AsTask().GetAwaiter().GetResult();
                }
            }
        }
#pragma warning disable CA1031 // Every failure goes to the consumer, translated where it is the engine's.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = Translate(e);
        }
        finally
        {
            Release();
            _batches.Writer.TryComplete(failure);
            DeleteSpillDirectory();
            LeaveOwnership();
            _onReleased?.Invoke();
        }
    }

    private void Start()
    {
        SqlGuard.EnsureNoForbiddenCall(_sql);
        ThrowIfStopped();
        var connection = OpenSandboxedConnection(_sandbox, _spillDirectory);
        lock (_gate)
        {
            _connection = connection;
            _native = connection.NativeConnection;
        }

        ThrowIfStopped();
        StatementCheck.EnsureSingleRead(connection.NativeConnection, _sql);
        ThrowIfStopped();
        _command = connection.CreateCommand();
        _command.CommandText = _sql;
        _command.UseStreamingMode = true;
        _reader = _command.ExecuteReader();
        var reader = _reader;
        _columns = Enumerable.Range(0, reader.FieldCount)
            .Select(ordinal => ColumnBuffer.For(reader, ordinal, _sandbox.BatchSize))
            .ToArray();
        _schema = _columns.Select(column => new ResultColumn(column.Name, column.Type)).ToArray();
    }

    // The next batch of at most BatchSize rows, or null after the last one.
    private ResultBatch? ReadBatch()
    {
        if (_exhausted || _reader is not { } reader)
        {
            return null;
        }

        var rows = 0;
        while (rows < _sandbox.BatchSize)
        {
            ThrowIfStopped();
            if (!reader.Read())
            {
                _exhausted = true;
                break;
            }

            for (var column = 0; column < _columns.Length; column++)
            {
                _columns[column].Read(reader, column, rows);
            }

            rows++;
        }

        if (rows == 0 && _handedOutBatch)
        {
            return null;
        }

        _handedOutBatch = true;
        var vectors = new ResultVector[_columns.Length];
        for (var column = 0; column < vectors.Length; column++)
        {
            vectors[column] = _columns[column].Build(rows);
        }

        return new ResultBatch(_schema, vectors, rows);
    }

    private async ValueTask<ResultBatch?> NextAsync()
    {
        try
        {
            while (true)
            {
                if (_batches.Reader.TryRead(out var batch))
                {
                    ThrowIfStopped();
                    return batch;
                }

                if (!await _batches.Reader.WaitToReadAsync(_stopToken))
                {
                    return null;
                }
            }
        }
        catch (OperationCanceledException) when (_stopToken.IsCancellationRequested)
        {
            throw Stopped();
        }
    }

    // The consumer is done (at the end, on an error or early): stop the engine if it still runs.
    private void Abandon()
    {
        try
        {
            _stop.Cancel();
        }
        finally
        {
            LeaveOwnership();
        }
    }

    private void LeaveOwnership()
    {
        if (Interlocked.Decrement(ref _owners) == 0)
        {
            _stop.Dispose();
        }
    }

    private void OnStop()
    {
        lock (_gate)
        {
            if (_released)
            {
                return;
            }

            _native?.Interrupt();
            _interrupter ??= new Timer(static state => ((SandboxedDuckDb)state!).Interrupt(), this, ReinterruptPeriod, ReinterruptPeriod);
        }
    }

    private void Interrupt()
    {
        lock (_gate)
        {
            if (!_released)
            {
                _native?.Interrupt();
            }
        }
    }

    private void Release()
    {
        Timer? interrupter;
        lock (_gate)
        {
            _released = true;
            _native = null;
            interrupter = _interrupter;
            _interrupter = null;
        }

        interrupter?.Dispose();
        _stopRegistration.Dispose();
        _reader?.Dispose();
        _command?.Dispose();
        _connection?.Dispose();
    }

    private void DeleteSpillDirectory()
    {
        if (_spillDirectory is null)
        {
            return;
        }

        try
        {
            if (Directory.Exists(_spillDirectory))
            {
                Directory.Delete(_spillDirectory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind: the temp directory is the operator's to clean.
        }
    }

    private void ThrowIfStopped()
    {
        if (_stopToken.IsCancellationRequested)
        {
            throw Stopped();
        }
    }

    private QueryFailedException Stopped() =>
        _callerToken.IsCancellationRequested
            ? new QueryFailedException(
                QueryFailureKind.Canceled,
                string.Create(CultureInfo.InvariantCulture, $"The query was canceled by its caller after {_elapsed.Elapsed.TotalSeconds:0.###} s."))
            : new QueryFailedException(
                QueryFailureKind.Timeout,
                string.Create(CultureInfo.InvariantCulture, $"The query ran longer than its timeout of {_sandbox.Timeout.TotalSeconds:0.###} s and was stopped."));

    // Once the query is stopped, whatever DuckDB says (an interrupt, a canceled wait) is the stop.
    private Exception Translate(Exception exception) => exception switch
    {
        _ when _stopToken.IsCancellationRequested => Stopped(),
        QueryFailedException failure => failure,
        OperationCanceledException => new QueryFailedException(QueryFailureKind.Canceled, "The engine interrupted the query."),
        DuckDBException engine when engine.ErrorType == DuckDBErrorType.Interrupt =>
            new QueryFailedException(QueryFailureKind.Canceled, "The engine interrupted the query."),
        DuckDBException engine => EngineErrors.FromDuckDb(engine, _sandbox.MemoryLimit),
        _ => exception,
    };
}
