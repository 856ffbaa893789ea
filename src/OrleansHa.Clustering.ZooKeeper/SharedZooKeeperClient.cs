using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper;

/// <summary>
/// The one long-lived ZooKeeper session of a process, shared by the membership table and the gateway list provider
/// (not a session per call). It rides through reconnects; when it is lost the client makes a new one by itself,
/// and since membership rows are persistent znodes the table keeps working.
/// </summary>
internal sealed class SharedZooKeeperClient(IOptions<ZooKeeperClusteringOptions> options, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ZooKeeperClient? _client;
    private bool _disposed;

    /// <summary>The connected client; the first call connects (failing after the connect timeout, naming the connection string).</summary>
    public async ValueTask<ZooKeeperClient> GetAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _client) is { } ready)
        {
            return ready;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is null)
            {
                ZooKeeperClusteringOptions value = options.Value;
                ZooKeeperClient client = await ZooKeeperClient.ConnectAsync(
                    new ZooKeeperClientOptions
                    {
                        ConnectionString = value.ConnectionString,
                        SessionTimeout = value.SessionTimeout,
                        ConnectTimeout = value.ConnectTimeout,
                        LoggerFactory = loggerFactory,
                    },
                    cancellationToken);
                Volatile.Write(ref _client, client);
            }

            return _client;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connecting.WaitAsync();
        try
        {
            _disposed = true;
            if (_client is not null)
            {
                await _client.DisposeAsync();
                _client = null;
            }
        }
        finally
        {
            _connecting.Release();
        }
    }
}
