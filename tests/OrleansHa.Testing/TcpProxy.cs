using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OrleansHa.Testing;

/// <summary>
/// A loopback TCP proxy that can cut the network: <see cref="Blackhole"/> silently drops every byte in both
/// directions and holds new connections without answering, as a partition does (no reset, no FIN), so both ends
/// must find out through their own timeouts. <see cref="Restore"/> closes what was cut and forwards again.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly Task _acceptLoop;
    private volatile bool _blackholed;

    /// <param name="upstreamPort">The loopback port forwarded to.</param>
    /// <param name="listenAddress">Where the proxy listens: loopback unless a test's hosts must reach it elsewhere (a <see cref="NetworkFabric"/>).</param>
    public TcpProxy(int upstreamPort, IPAddress? listenAddress = null)
    {
        _upstream = new IPEndPoint(IPAddress.Loopback, upstreamPort);
        _listener = new TcpListener(listenAddress ?? IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string ConnectionString => _listener.LocalEndpoint.ToString()!;

    public bool IsBlackholed => _blackholed;

    /// <summary>From now on every byte is dropped and new connections are held unanswered.</summary>
    public void Blackhole() => _blackholed = true;

    /// <summary>Closes every connection that was cut and forwards new ones again.</summary>
    public void Restore()
    {
        _blackholed = false;
        foreach (Socket socket in _sockets.Keys)
        {
            Close(socket);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (Socket socket in _sockets.Keys)
        {
            Close(socket);
        }

        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client = await _listener.AcceptSocketAsync(_stop.Token);
            _sockets[client] = 0;
            if (_blackholed)
            {
                _ = DrainAsync(client);
                continue;
            }

            var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _sockets[server] = 0;
            try
            {
                await server.ConnectAsync(_upstream, _stop.Token);
            }
            catch (SocketException)
            {
                Close(client);
                Close(server);
                continue;
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                if (!_blackholed)
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        if (!_blackholed)
        {
            // A real close on one side is passed on; while cut, nothing is.
            Close(from);
            Close(to);
        }
    }

    private async Task DrainAsync(Socket socket)
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private void Close(Socket socket)
    {
        _sockets.TryRemove(socket, out _);
        socket.Dispose();
    }
}
