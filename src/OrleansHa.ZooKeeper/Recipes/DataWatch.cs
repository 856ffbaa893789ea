using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansHa.ZooKeeper.Recipes;

/// <summary>
/// Follows the content of one znode as a typed value (kazoo's <c>DataWatch</c>): reads it, keeps a watch on it,
/// reads it again whenever it changes, and publishes each new value. <see cref="Current"/> is null while the node
/// does not exist, and also once the session it was read in is lost: what an expired session last saw says nothing
/// about the ensemble now (an ephemeral node of another session may have gone with it).
/// </summary>
/// <typeparam name="T">The decoded content; values are compared with <see cref="object.Equals(object?)"/>, so a
/// record type publishes only real changes.</typeparam>
/// <remarks>
/// Reading retries after <see cref="ZooKeeperException"/>s with a short delay, for as long as it runs: a watch that
/// gives up is worse than none. Content that <c>read</c> cannot decode (a <see cref="FormatException"/>) is logged and
/// published as null. <see cref="Changed"/> and the tasks of <see cref="WaitForChangeFromAsync"/> complete off the
/// client's I/O loop.
/// </remarks>
public sealed partial class DataWatch<T> : IAsyncDisposable
    where T : class
{
    private readonly SharedZooKeeperClient _zooKeeper;
    private readonly Func<byte[], T> _read;
    private readonly ILogger _logger;
    private readonly TimeSpan _retryDelay;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile T? _current;
    private volatile bool _published;
    private Task _loop = Task.CompletedTask;
    private int _started;

    /// <param name="zooKeeper">The process's session.</param>
    /// <param name="path">The znode to follow; it need not exist.</param>
    /// <param name="read">Decodes the node's data; throws <see cref="FormatException"/> for content it cannot read.</param>
    /// <param name="logger">Where failed reads and undecodable content are reported.</param>
    /// <param name="retryDelay">How long to wait after a failed read before the next (default 50 ms).</param>
    public DataWatch(SharedZooKeeperClient zooKeeper, string path, Func<byte[], T> read, ILogger? logger = null, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(zooKeeper);
        ArgumentNullException.ThrowIfNull(read);
        ZooKeeperPath.Validate(path);
        _zooKeeper = zooKeeper;
        Path = path;
        _read = read;
        _logger = logger ?? NullLogger.Instance;
        _retryDelay = retryDelay ?? TimeSpan.FromMilliseconds(50);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_retryDelay, TimeSpan.Zero, nameof(retryDelay));
    }

    /// <summary>The followed znode.</summary>
    public string Path { get; }

    /// <summary>The node's content as last read in a live session, or null (no node, unreadable, session lost, not read yet).</summary>
    public T? Current => _current;

    /// <summary>Raised with the new value each time <see cref="Current"/> changes.</summary>
    public event Action<T?>? Changed;

    /// <summary>Starts following; completes once the node has been read once (it may not exist).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _loop = FollowAsync(_stopping.Token);
        }

        return _firstRead.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Completes once <see cref="Current"/> no longer satisfies <paramref name="unchanged"/>: at once if it already
    /// does not, else at the next change that makes it so.
    /// </summary>
    public async Task WaitForChangeFromAsync(Func<T?, bool> unchanged, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unchanged);
        while (true)
        {
            // Take the signal before reading the value, so a change between the two is not missed.
            Task changed = Volatile.Read(ref _changed).Task;
            if (!unchanged(Current))
            {
                return;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task FollowAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                ZooKeeperClient zk = await _zooKeeper.GetAsync(stopping);
                ZooKeeperSession? session = zk.Session;
                Publish(await ReadAsync(zk, () => fired.TrySetResult(), stopping));
                _firstRead.TrySetResult();
                if (session is null)
                {
                    await fired.Task.WaitAsync(stopping);
                    continue;
                }

                // A lost session ends every watch of it; its last reading is no longer news of the ensemble.
                using CancellationTokenRegistration lost = session.Lost.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), fired);
                await fired.Task.WaitAsync(stopping);
                if (session.IsLost)
                {
                    Publish(null);
                }
            }
            catch (ZooKeeperException ex) when (!stopping.IsCancellationRequested)
            {
                LogReadFailed(_logger, Path, ex.Message);
                if (ex is SessionExpiredException)
                {
                    Publish(null);
                }

                await Task.Delay(_retryDelay, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>The node's content, with a watch that fires on its next change; null while it does not exist.</summary>
    private async Task<T?> ReadAsync(ZooKeeperClient zk, Action onChange, CancellationToken stopping)
    {
        if (await zk.ExistsAsync(Path, _ => onChange(), stopping) is null)
        {
            return null;
        }

        try
        {
            return _read((await zk.GetDataAsync(Path, cancellationToken: stopping)).Data);
        }
        catch (NoNodeException)
        {
            return null; // gone between the two reads; the watch has fired or will
        }
        catch (FormatException ex)
        {
            LogUnreadable(_logger, Path, ex.Message);
            return null;
        }
    }

    private void Publish(T? value)
    {
        if (_published && Equals(_current, value))
        {
            return;
        }

        _current = value;
        _published = true;
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        Changed?.Invoke(value);
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Reading {Path} failed, retrying: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "{Path} holds content that cannot be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
