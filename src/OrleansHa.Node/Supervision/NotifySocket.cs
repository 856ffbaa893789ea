using System.Net.Sockets;
using System.Text;

namespace OrleansHa.Node.Supervision;

/// <summary>
/// The sending side of systemd's notification protocol (<c>sd_notify</c>): datagrams such as <c>READY=1</c>,
/// <c>WATCHDOG=1</c> and <c>STATUS=...</c> to the Unix socket named by <c>NOTIFY_SOCKET</c>. The node's own supervisor
/// listens on such a socket too, so one heartbeat serves both (ARCHITECTURE §4.8).
/// </summary>
internal sealed class NotifySocket : IDisposable
{
    /// <summary>The variable that names the socket, as systemd sets it.</summary>
    public const string Variable = "NOTIFY_SOCKET";

    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _target;

    private NotifySocket(string address)
    {
        Address = address;
        _target = EndPointOf(address);
    }

    /// <summary>The socket's name: a path, or <c>@name</c> in the abstract namespace.</summary>
    public string Address { get; }

    /// <summary>The socket <c>NOTIFY_SOCKET</c> names, or null when nobody listens for notifications.</summary>
    public static NotifySocket? FromEnvironment() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } address ? new NotifySocket(address) : null;

    /// <summary>A sender to <paramref name="address"/>.</summary>
    public static NotifySocket For(string address) => new(address);

    /// <summary>The endpoint for <paramref name="address"/>: <c>@name</c> is the abstract namespace, as systemd writes it.</summary>
    public static UnixDomainSocketEndPoint EndPointOf(string address) =>
        new(address.StartsWith('@') ? "\0" + address[1..] : address);

    /// <summary>Sends <paramref name="state"/> (newline-separated assignments); false when it could not be delivered.</summary>
    public bool Send(string state)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _target);
            return true;
        }
        catch (SocketException)
        {
            // Nobody listens (any more): a notification is best effort, the heartbeat's absence says the rest.
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}
