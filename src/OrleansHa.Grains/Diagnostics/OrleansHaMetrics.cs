using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Grains.Diagnostics;

/// <summary>
/// Every instrument of the meter <see cref="MeterName"/>, defined here and nowhere else: what an operator alerts on.
/// Other parts feed it through its methods (the node's view of the active master, the ZooKeeper session, the query
/// grain's streams); the node exports it, Orleans' own meter and the runtime's as Prometheus text on <c>/metrics</c>.
/// </summary>
/// <remarks>
/// Names follow OpenTelemetry's conventions (dots, seconds, bytes); the Prometheus exporter prefixes the meter's name, so
/// <c>master.epoch</c> is scraped as <c>orleansha_master_epoch</c>. Counters are observable (read at each scrape), which
/// prometheus-net exports with the gauge type: their values only grow, so <c>rate()</c> and <c>increase()</c> apply.
/// </remarks>
public sealed class OrleansHaMetrics
{
    public const string MeterName = "OrleansHa";

    private static readonly double[] TakeoverBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
    private static readonly double[] ZooKeeperBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
    private static readonly double[] QueryBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 300];
    private static readonly ZooKeeperState[] SessionStates = Enum.GetValues<ZooKeeperState>();

    private readonly Lock _gate = new();
    private readonly Histogram<double> _takeover;
    private readonly Histogram<double> _zooKeeperRequests;
    private readonly Histogram<double> _queryDuration;

    // Counters are kept here and observed at each scrape, so one that stays still (failovers) is still exported.
    private long _failovers;
    private long _queriesStarted;
    private long _queriesCompleted;
    private long _queriesFailed;
    private long _rows;
    private long _bytes;
    private MasterInfo? _master;
    private long _lastEpoch;
    private DateTimeOffset? _masterGoneAt;
    private int _standbys;
    private Func<ZooKeeperState>? _sessionState;
    private Func<(long Files, long Bytes)>? _jobResults;

    public OrleansHaMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        Meter meter = meters.Create(MeterName);
        meter.CreateObservableGauge("master.epoch", () => Volatile.Read(ref _master)?.Epoch ?? 0, description: "Epoch of the active master as this node sees it; 0 while none is active.");
        meter.CreateObservableGauge("master.active", () => Volatile.Read(ref _master) is null ? 0 : 1, description: "1 while this node knows an active master, else 0.");
        meter.CreateObservableCounter("master.failovers", () => Interlocked.Read(ref _failovers), description: "Times this node saw a new master take over from an earlier one.");
        _takeover = meter.CreateHistogram("master.takeover.duration", unit: "s",
            description: "From the previous master's end, as this node saw it, to the new master's start.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TakeoverBuckets });
        meter.CreateObservableGauge("master.standbys", () => Volatile.Read(ref _standbys), description: "Master-eligible nodes waiting to take over.");
        meter.CreateObservableGauge("zookeeper.session.state", ObserveSessionState, description: "1 for the state the node's ZooKeeper session is in, 0 for the others.");
        _zooKeeperRequests = meter.CreateHistogram("zookeeper.request.duration", unit: "s",
            description: "ZooKeeper requests from submission to reply, by operation and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ZooKeeperBuckets });
        meter.CreateObservableCounter("queries.started", () => Interlocked.Read(ref _queriesStarted), description: "Queries this coordinator started.");
        meter.CreateObservableCounter("queries.completed", () => Interlocked.Read(ref _queriesCompleted), description: "Queries that streamed their whole result.");
        meter.CreateObservableCounter("queries.failed", () => Interlocked.Read(ref _queriesFailed), description: "Queries that failed, were canceled, lost a node or were abandoned by their reader.");
        _queryDuration = meter.CreateHistogram("query.duration", unit: "s",
            description: "Queries from start to their last batch or error, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = QueryBuckets });
        meter.CreateObservableCounter("query.rows", () => Interlocked.Read(ref _rows), description: "Result rows streamed by this coordinator.");
        meter.CreateObservableCounter("query.bytes", () => Interlocked.Read(ref _bytes), unit: "By", description: "Result bytes streamed by this coordinator (values' in-memory size).");
        meter.CreateObservableGauge("job_results.files", () => _jobResults?.Invoke().Files ?? 0, description: "Job results kept on paths.dist.");
        meter.CreateObservableGauge("job_results.size", () => _jobResults?.Invoke().Bytes ?? 0, unit: "By", description: "Bytes of job results kept on paths.dist.");
    }

    /// <summary>
    /// The active master as this node now sees it (null: none). A new epoch after an earlier one is a failover; its
    /// takeover time runs to the new master's start from <paramref name="previousLastAlive"/> (the store's last
    /// heartbeat of the master replaced) when known, else from the moment this node saw the earlier master go, else
    /// from the replacement itself.
    /// </summary>
    public void ObserveActiveMaster(MasterInfo? master, DateTimeOffset now, DateTimeOffset? previousLastAlive = null)
    {
        TimeSpan? takeover = null;
        lock (_gate)
        {
            if (master is null)
            {
                _masterGoneAt ??= now;
            }
            else if (master.Epoch > _lastEpoch)
            {
                if (_lastEpoch > 0)
                {
                    DateTimeOffset ended = previousLastAlive ?? _masterGoneAt ?? master.Since;
                    takeover = master.Since > ended ? master.Since - ended : TimeSpan.Zero;
                }

                _lastEpoch = master.Epoch;
                _masterGoneAt = null;
            }

            Volatile.Write(ref _master, master);
        }

        if (takeover is { } duration)
        {
            Interlocked.Increment(ref _failovers);
            _takeover.Record(duration.TotalSeconds);
        }
    }

    public void ObserveStandbys(int count) => Volatile.Write(ref _standbys, count);

    /// <summary>Where the session state gauge reads from (the node's one ZooKeeper client).</summary>
    public void ObserveSessionState(Func<ZooKeeperState> state) => _sessionState = state;

    /// <summary>Where the job result gauges read from: the number and total size of the result files kept.</summary>
    public void ObserveJobResults(Func<(long Files, long Bytes)> measure) => _jobResults = measure;

    /// <summary>Fed by the ZooKeeper client (<see cref="ZooKeeperClientOptions.RequestCompleted"/>).</summary>
    public void ZooKeeperRequestCompleted(ZooKeeperRequestTiming timing) =>
        _zooKeeperRequests.Record(timing.Elapsed.TotalSeconds, new("operation", timing.Operation), new("outcome", timing.Succeeded ? "ok" : timing.Result.ToString()));

    /// <summary>Counts a query's stream: started now, then its rows and bytes as they pass, then how it ended.</summary>
    public async IAsyncEnumerable<ArrowBatch> TrackQueryAsync(IAsyncEnumerable<ArrowBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        Interlocked.Increment(ref _queriesStarted);
        long started = Stopwatch.GetTimestamp();
        bool completed = false;
        try
        {
            await foreach (ArrowBatch batch in batches)
            {
                Interlocked.Add(ref _rows, batch.RowCount);

                // The Arrow IPC bytes as they travel: what the network and the job results carry.
                Interlocked.Add(ref _bytes, batch.Ipc.Length);
                yield return batch;
            }

            completed = true;
        }
        finally
        {
            // An error, a cancellation and a consumer that stops early all end here: failed unless the stream ended.
            _queryDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", completed ? "completed" : "failed"));
            if (completed)
            {
                Interlocked.Increment(ref _queriesCompleted);
            }
            else
            {
                Interlocked.Increment(ref _queriesFailed);
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveSessionState()
    {
        if (_sessionState is not { } read)
        {
            yield break;
        }

        ZooKeeperState current = read();
        foreach (ZooKeeperState state in SessionStates)
        {
            yield return new Measurement<int>(state == current ? 1 : 0, new KeyValuePair<string, object?>("state", state.ToString()));
        }
    }
}
