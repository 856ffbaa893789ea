namespace OrleansHa.ZooKeeper;

/// <summary>
/// The one long-lived ZooKeeper session of a process, shared by everything in it (membership, gateways, master
/// election) instead of a session per use. It rides through reconnects; when the session is lost the client makes a
/// new one by itself.
/// </summary>
public sealed class SharedZooKeeperClient(ZooKeeperClientOptions options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ZooKeeperClient? _client;
    private bool _disposed;

    /// <summary>The connection string this connects to.</summary>
    public string ConnectionString => options.ConnectionString;

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
                Volatile.Write(ref _client, await ZooKeeperClient.ConnectAsync(options, cancellationToken));
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
