using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansHa.Testing;

/// <summary>
/// Hands out loopback TCP ports that are free right now and were not handed out before in this process.
/// </summary>
/// <remarks>
/// Ports are taken below the kernel's ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>) when
/// that leaves room, because the kernel never picks those for outgoing connections: a server that is
/// killed and restarted on the same port cannot find it taken by some client's local port in between.
/// Otherwise the kernel chooses (bind to port 0). Each candidate is bound on 127.0.0.1 and all sockets stay
/// open until every port is chosen, so one call never returns the same port twice.
/// </remarks>
public static class FreePorts
{
    private const int LowestPort = 10_000;
    private const int MinimumRangeSize = 2_000;
    private const int MaxAttemptsPerPort = 200;

    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();
    private static readonly int EphemeralLow = ReadEphemeralLow();

    /// <summary>Returns one free loopback port.</summary>
    public static int Allocate() => Allocate(1)[0];

    /// <summary>Returns <paramref name="count"/> distinct free loopback ports.</summary>
    public static IReadOnlyList<int> Allocate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var sockets = new List<Socket>(count);
        var ports = new List<int>(count);
        lock (Gate)
        {
            try
            {
                for (var attempts = 0; ports.Count < count; attempts++)
                {
                    if (attempts > MaxAttemptsPerPort * count)
                    {
                        throw new InvalidOperationException($"Could not find {count} free loopback ports.");
                    }

                    var candidate = EphemeralLow - LowestPort >= MinimumRangeSize
                        ? Random.Shared.Next(LowestPort, EphemeralLow)
                        : 0;
                    if (candidate != 0 && HandedOut.Contains(candidate))
                    {
                        continue;
                    }

                    var socket = TryBind(candidate);
                    if (socket is null)
                    {
                        continue;
                    }

                    var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                    if (HandedOut.Contains(port))
                    {
                        socket.Dispose();
                        continue;
                    }

                    sockets.Add(socket);
                    ports.Add(port);
                    HandedOut.Add(port);
                }
            }
            finally
            {
                foreach (var socket in sockets)
                {
                    socket.Dispose();
                }
            }
        }

        return ports;
    }

    private static Socket? TryBind(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen(1);
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    private static int ReadEphemeralLow()
    {
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            var first = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            return int.Parse(first, NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
