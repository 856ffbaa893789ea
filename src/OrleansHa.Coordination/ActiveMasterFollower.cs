using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrleansHa.Abstractions;
using OrleansHa.Clustering.ZooKeeper;
using OrleansHa.ZooKeeper;
using OrleansHa.ZooKeeper.Recipes;

namespace OrleansHa.Coordination;

/// <summary>Who the active master is, as a process follows <c>master/active</c> in ZooKeeper.</summary>
public interface IActiveMasterSource
{
    /// <summary>The active master as last read, or null while none is registered (or ZooKeeper cannot say).</summary>
    MasterInfo? Current { get; }

    /// <summary>Completes once the active master is no longer the one of <paramref name="epoch"/>.</summary>
    Task WaitForChangeFromAsync(long epoch, CancellationToken cancellationToken = default);
}

/// <summary>
/// Follows <c>master/active</c> (a <see cref="DataWatch{T}"/> of its <see cref="MasterInfo"/>): every node and every
/// grain client has one, and server_status, the master's placement and every call to <see cref="IMasterGrain"/>
/// read it, never a guess. A call whose master is replaced gives up on it at once.
/// </summary>
public sealed partial class ActiveMasterFollower : IActiveMasterSource, IAsyncDisposable
{
    private readonly DataWatch<MasterInfo> _watch;
    private readonly ILogger _logger;

    public ActiveMasterFollower(SharedZooKeeperClient zooKeeper, ClusterZnodes znodes, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(znodes);
        _logger = logger;
        _watch = new DataWatch<MasterInfo>(zooKeeper, znodes.MasterActive, data => ActiveMasterRecord.Read(data, znodes.MasterActive), logger);
        _watch.Changed += OnChanged;
    }

    public MasterInfo? Current => _watch.Current;

    /// <summary>Raised (off the ZooKeeper I/O loop) when the active master changes.</summary>
    public event Action<MasterInfo?>? Changed;

    /// <summary>Starts following; completes once the record has been read once (there may be no master).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _watch.StartAsync(cancellationToken);

    public Task WaitForChangeFromAsync(long epoch, CancellationToken cancellationToken = default) =>
        _watch.WaitForChangeFromAsync(master => master?.Epoch == epoch, cancellationToken);

    public ValueTask DisposeAsync() => _watch.DisposeAsync();

    private void OnChanged(MasterInfo? master)
    {
        LogChanged(_logger, master?.Epoch ?? 0, master?.NodeName ?? "(none)");
        Changed?.Invoke(master);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Active master is now epoch {Epoch} on {Node}")]
    private static partial void LogChanged(ILogger logger, long epoch, string node);
}

/// <summary>The JSON of <c>master/active</c>: a <see cref="MasterInfo"/>.</summary>
public static class ActiveMasterRecord
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static byte[] Serialize(MasterInfo record) => JsonSerializer.SerializeToUtf8Bytes(record, Json);

    /// <exception cref="FormatException"><paramref name="data"/> is not a master record; the message names <paramref name="path"/>.</exception>
    public static MasterInfo Read(byte[] data, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<MasterInfo>(data, Json) ?? throw new FormatException($"{path} holds null");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path} does not hold a valid {nameof(MasterInfo)}: {ex.Message}", ex);
        }
    }
}
