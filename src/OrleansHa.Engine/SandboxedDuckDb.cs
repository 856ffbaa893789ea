using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Apache.Arrow;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace OrleansHa.Engine;

/// <summary>
/// Runs one SQL query on DuckDB inside a sandbox and streams its result as Arrow <see cref="RecordBatch"/>es, one per
/// DuckDB chunk (at most 2048 rows), converted by DuckDB itself.
/// </summary>
/// <remarks>
/// <para>The query runs on an in-memory DuckDB database set up with <see cref="SandboxedConnection.SettingsFor"/> (then
/// the views it needs are created): no extension is installed or loaded on demand; the memory limit, thread count and
/// spill directory of the <see cref="QuerySandbox"/>; only the allowed directories are reachable
/// (<c>allowed_directories</c>, with <c>enable_external_access=false</c>: no other file, no network, no
/// <c>INSTALL</c>/<c>LOAD</c>, no <c>ATTACH</c> outside); and then <c>lock_configuration=true</c>, after which no SET,
/// RESET or PRAGMA can change any of it. With a <see cref="SandboxPool"/> the database is a warm one with the same
/// settings when there is one, and goes back to the pool after a query that ended by itself.</para>
/// <para>Before running, the query must be a single statement that reads (<see cref="StatementCheck"/>, which also keeps
/// <c>COPY TO</c> and friends from writing into the allowed directories, which DuckDB would allow) and call none of the
/// few table functions that get around the locked configuration (<see cref="SqlGuard"/>). The statement is prepared
/// once, for that check, and the prepared statement is what runs.</para>
/// <para>All DuckDB calls of a query happen on one dedicated thread, so a long query never blocks a thread-pool thread.
/// That thread converts each chunk of DuckDB's streaming result and hands it over through a channel that holds one
/// batch: it reads ahead by at most one batch and waits for the consumer, so a large result never sits whole in memory,
/// neither in DuckDB nor here.</para>
/// <para>The timeout (counted from the start of the enumeration), the caller's token and an abandoned enumeration all
/// interrupt DuckDB (<c>duckdb_interrupt</c>, repeated every few milliseconds until the engine thread is done, so an
/// interrupt that lands between two statements is not lost), and the consumer is released at once with an
/// <see cref="EngineException"/> of kind <see cref="EngineFailureKind.Timeout"/> or
/// <see cref="EngineFailureKind.Canceled"/>; the engine thread then lets go of the database.</para>
/// <para>Errors are <see cref="EngineException"/>s: <see cref="EngineFailureKind.Permission"/> for what the
/// sandbox refuses, <see cref="EngineFailureKind.MemoryLimit"/> for DuckDB's out-of-memory errors and
/// <see cref="EngineFailureKind.Sql"/>, with DuckDB's message, for the rest.</para>
/// <para>The consumer owns each batch it receives and disposes it: a batch holds DuckDB's Arrow buffers.</para>
/// </remarks>
public sealed class SandboxedDuckDb
{
    // How often a stopped query is interrupted again until its engine thread has let go of DuckDB.
    private static readonly TimeSpan ReinterruptPeriod = TimeSpan.FromMilliseconds(20);

    private readonly string _sql;
    private readonly QuerySandbox _sandbox;
    private readonly SandboxPool? _pool;
    private readonly Action? _onReleased;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _stopToken;
    private readonly CancellationTokenRegistration _stopRegistration;
    private readonly Channel<RecordBatch> _batches;
    private readonly Lock _gate = new();
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private SandboxedConnection? _connection;
    private Timer? _interrupter;
    private bool _released;
    private bool _interrupted;
    private int _owners = 2; // the consumer and the engine thread; the last one out disposes _stop

    private SandboxedDuckDb(string sql, QuerySandbox sandbox, SandboxPool? pool, Action? onReleased, CancellationToken ct)
    {
        _sql = sql;
        _sandbox = sandbox;
        _pool = pool;
        _onReleased = onReleased;
        _callerToken = ct;
        _batches = Channel.CreateBounded<RecordBatch>(new BoundedChannelOptions(1)
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
    /// Runs <paramref name="sql"/> in <paramref name="sandbox"/>, yielding its result as record batches (a result
    /// without rows yields one empty batch, for its schema), on a database from <paramref name="pool"/> if given.
    /// Failures are <see cref="EngineException"/>s; stopping the enumeration early stops the query.
    /// </summary>
    public static IAsyncEnumerable<RecordBatch> ExecuteAsync(string sql, QuerySandbox sandbox, SandboxPool? pool = null, CancellationToken ct = default) =>
        ExecuteAsync(sql, sandbox, pool, onReleased: null, ct);

    /// <inheritdoc cref="ExecuteAsync(string, QuerySandbox, SandboxPool?, CancellationToken)"/>
    /// <param name="sql">The query.</param>
    /// <param name="sandbox">What it may use.</param>
    /// <param name="pool">Where warm databases are kept, or null for a database of its own.</param>
    /// <param name="onReleased">Called on the engine thread once DuckDB has stopped and the database is let go.</param>
    /// <param name="ct">Cancels the query.</param>
    internal static async IAsyncEnumerable<RecordBatch> ExecuteAsync(
        string sql,
        QuerySandbox sandbox,
        SandboxPool? pool,
        Action? onReleased,
        [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(sandbox);
        var run = new SandboxedDuckDb(sql, sandbox, pool, onReleased, ct);
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

    private void StartEngineThread()
    {
        var thread = new Thread(RunEngine, maxStackSize: 8 * 1024 * 1024)
        {
            IsBackground = true,
            Name = "duckdb-query",
        };
        thread.Start();
    }

    // The engine thread: every DuckDB call of the query happens here, and here the database is let go.
    private void RunEngine()
    {
        Exception? failure = null;
        try
        {
            SqlGuard.EnsureNoForbiddenCall(_sql);
            ThrowIfStopped();
            var connection = _pool?.Rent(_sandbox.Settings) ?? SandboxedConnection.Open(_sandbox.Settings);
            lock (_gate)
            {
                _connection = connection;
            }

            ThrowIfStopped();
            connection.EnsureViews(_sandbox.Views, _sql);
            ThrowIfStopped();
            using var prepared = StatementCheck.PrepareSingleRead(connection.Native, _sql);
            ThrowIfStopped();
            using var result = ArrowResult.Execute(prepared, _sandbox.MemoryLimit);
            var handedOut = false;
            while (true)
            {
                ThrowIfStopped();
                var batch = result.ReadNext(_sandbox.MemoryLimit) ?? (handedOut ? null : result.Empty());
                if (batch is null)
                {
                    break;
                }

                handedOut = true;
                Hand(batch);
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
            Release(reusable: failure is null or EngineException { Kind: EngineFailureKind.Sql or EngineFailureKind.Permission });
            _batches.Writer.TryComplete(failure);
            LeaveOwnership();
            _onReleased?.Invoke();
        }
    }

    // Waits for the consumer to take the previous batch: this is what bounds memory.
    private void Hand(RecordBatch batch)
    {
        try
        {
            if (!_batches.Writer.TryWrite(batch))
            {
                _batches.Writer.WriteAsync(batch, _stopToken).AsTask().GetAwaiter().GetResult();
            }
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    private async ValueTask<RecordBatch?> NextAsync()
    {
        try
        {
            while (true)
            {
                if (_batches.Reader.TryRead(out var batch))
                {
                    if (_stopToken.IsCancellationRequested)
                    {
                        batch.Dispose();
                        throw Stopped();
                    }

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

    // The consumer is done (at the end, on an error or early): stop the engine if it still runs, and free what it left.
    private void Abandon()
    {
        try
        {
            _stop.Cancel();
            while (_batches.Reader.TryRead(out var left))
            {
                left.Dispose();
            }
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

            _interrupted = true;
            _connection?.Interrupt();
            _interrupter ??= new Timer(static state => ((SandboxedDuckDb)state!).Interrupt(), this, ReinterruptPeriod, ReinterruptPeriod);
        }
    }

    private void Interrupt()
    {
        lock (_gate)
        {
            if (!_released)
            {
                _connection?.Interrupt();
            }
        }
    }

    // Lets go of the database: back to the pool when the query ended by itself and nothing interrupted it, else disposed.
    // After this no interrupt reaches the database, so a pooled one never sees an interrupt meant for an earlier query.
    private void Release(bool reusable)
    {
        Timer? interrupter;
        SandboxedConnection? connection;
        bool interrupted;
        lock (_gate)
        {
            _released = true;
            connection = _connection;
            _connection = null;
            interrupted = _interrupted;
            interrupter = _interrupter;
            _interrupter = null;
        }

        interrupter?.Dispose();
        _stopRegistration.Dispose();
        if (connection is null)
        {
            return;
        }

        if (reusable && !interrupted && _pool is not null)
        {
            _pool.Return(connection);
        }
        else
        {
            connection.Dispose();
        }
    }

    private void ThrowIfStopped()
    {
        if (_stopToken.IsCancellationRequested)
        {
            throw Stopped();
        }
    }

    private EngineException Stopped() =>
        _callerToken.IsCancellationRequested
            ? new EngineException(
                EngineFailureKind.Canceled,
                string.Create(CultureInfo.InvariantCulture, $"The query was canceled by its caller after {_elapsed.Elapsed.TotalSeconds:0.###} s."))
            : new EngineException(
                EngineFailureKind.Timeout,
                string.Create(CultureInfo.InvariantCulture, $"The query ran longer than its timeout of {_sandbox.Timeout.TotalSeconds:0.###} s and was stopped."));

    // Once the query is stopped, whatever DuckDB says (an interrupt, a canceled wait) is the stop. Before that, an
    // interrupt is not a cancellation: nothing of ours interrupted DuckDB, so the query failed by itself, and saying
    // Canceled would tell the caller someone stopped it.
    private Exception Translate(Exception exception) => exception switch
    {
        _ when _stopToken.IsCancellationRequested => Stopped(),
        EngineException { Kind: EngineFailureKind.Canceled } or OperationCanceledException => Unrequested(exception),
        EngineException failure => failure,
        DuckDBException engine when engine.ErrorType == DuckDBErrorType.Interrupt => Unrequested(exception),
        DuckDBException engine => EngineErrors.FromDuckDb(engine, _sandbox.MemoryLimit),
        _ => exception,
    };

    private static EngineException Unrequested(Exception exception) =>
        new(EngineFailureKind.Sql, $"The engine stopped the query by itself, although neither its caller nor its timeout stopped it: {exception.Message}");
}
