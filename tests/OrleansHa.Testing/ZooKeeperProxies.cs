using System.Net;

namespace OrleansHa.Testing;

/// <summary>
/// One <see cref="TcpProxy"/> in front of each member of an ensemble, so that a node given
/// <see cref="ConnectionString"/> can be cut from ZooKeeper while everything else still reaches it.
/// </summary>
public sealed class ZooKeeperProxies : IAsyncDisposable
{
    private readonly TcpProxy[] _proxies;

    public ZooKeeperProxies(ZooKeeperEnsemble ensemble, IPAddress? listenAddress = null)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        _proxies = [.. ensemble.Servers.Select(s => new TcpProxy(s.ClientPort, listenAddress))];
    }

    /// <summary>The proxies' ports, one per member.</summary>
    public IReadOnlyList<int> Ports => [.. _proxies.Select(p => p.Port)];

    /// <summary>The ensemble's connection string through the proxies.</summary>
    public string ConnectionString => string.Join(',', _proxies.Select(p => p.ConnectionString));

    /// <summary>Cuts every connection to every member, as a partition does (no reset, no FIN).</summary>
    public void Blackhole()
    {
        foreach (TcpProxy proxy in _proxies)
        {
            proxy.Blackhole();
        }
    }

    /// <summary>Heals the cut: what was cut is closed and new connections go through.</summary>
    public void Restore()
    {
        foreach (TcpProxy proxy in _proxies)
        {
            proxy.Restore();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (TcpProxy proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }
    }
}
