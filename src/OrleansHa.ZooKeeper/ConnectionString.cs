using System.Globalization;
using System.Net;

namespace OrleansHa.ZooKeeper;

/// <summary>
/// A parsed ZooKeeper connection string: <c>host:port[,host:port...][/chroot]</c>. Everything from the first '/'
/// is the chroot; a missing port is 2181; IPv6 hosts go in brackets (<c>[::1]:2181</c>); a chroot of "/" is none.
/// </summary>
public sealed class ConnectionString
{
    public const int DefaultPort = 2181;

    private ConnectionString(string original, IReadOnlyList<DnsEndPoint> hosts, string? chroot)
    {
        Original = original;
        Hosts = hosts;
        Chroot = chroot;
    }

    /// <summary>The text this was parsed from.</summary>
    public string Original { get; }

    /// <summary>The ensemble members, in the order given.</summary>
    public IReadOnlyList<DnsEndPoint> Hosts { get; }

    /// <summary>The chroot every path is relative to, or null.</summary>
    public string? Chroot { get; }

    /// <summary>Parses <paramref name="text"/>, throwing <see cref="InvalidConnectionStringException"/> that says what is wrong.</summary>
    public static ConnectionString Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid(text, "it is empty; expected host:port[,host:port...][/chroot]");
        }

        string hostsPart = text;
        string? chroot = null;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            hostsPart = text[..slash];
            chroot = text[slash..];
            if (chroot == "/")
            {
                chroot = null;
            }
            else
            {
                try
                {
                    ZooKeeperPath.Validate(chroot);
                }
                catch (InvalidPathException ex)
                {
                    throw Invalid(text, $"the chroot is not a valid path ({ex.Message})");
                }
            }
        }

        var hosts = new List<DnsEndPoint>();
        foreach (string rawEntry in hostsPart.Split(','))
        {
            string entry = rawEntry.Trim();
            if (entry.Length == 0)
            {
                throw Invalid(text, "it has an empty host entry");
            }

            hosts.Add(ParseHost(text, entry));
        }

        return new ConnectionString(text, hosts, chroot);
    }

    /// <summary>Like <see cref="Parse"/>, without throwing.</summary>
    public static bool TryParse(string? text, out ConnectionString? result, out string? error)
    {
        try
        {
            result = Parse(text);
            error = null;
            return true;
        }
        catch (InvalidConnectionStringException ex)
        {
            result = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>The client path as the server sees it.</summary>
    internal string ToServerPath(string clientPath) =>
        Chroot is null ? clientPath : clientPath == "/" ? Chroot : Chroot + clientPath;

    /// <summary>The server path as the client sees it (the chroot removed).</summary>
    internal string ToClientPath(string serverPath)
    {
        if (Chroot is null)
        {
            return serverPath;
        }

        if (serverPath == Chroot)
        {
            return "/";
        }

        return serverPath.StartsWith(Chroot + "/", StringComparison.Ordinal) ? serverPath[Chroot.Length..] : serverPath;
    }

    public override string ToString() => Original;

    private static DnsEndPoint ParseHost(string text, string entry)
    {
        string host;
        string? portText = null;
        if (entry[0] == '[')
        {
            int close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid(text, $"host '{entry}' opens '[' without closing it");
            }

            host = entry[1..close];
            string rest = entry[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    throw Invalid(text, $"host '{entry}' has text after ']' that is not ':port'");
                }

                portText = rest[1..];
            }

            if (!IPAddress.TryParse(host, out _))
            {
                throw Invalid(text, $"'{host}' in brackets is not an IPv6 address");
            }
        }
        else
        {
            int colon = entry.LastIndexOf(':');
            if (colon >= 0 && entry.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                throw Invalid(text, $"host '{entry}' has several ':'; write IPv6 addresses in brackets, as [::1]:2181");
            }

            host = colon < 0 ? entry : entry[..colon];
            portText = colon < 0 ? null : entry[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw Invalid(text, $"host entry '{entry}' has no host name");
        }

        if (host.Any(char.IsWhiteSpace))
        {
            throw Invalid(text, $"host '{host}' contains whitespace");
        }

        int port = DefaultPort;
        if (portText is not null
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw Invalid(text, $"port '{portText}' of host '{host}' is not a number from 1 to 65535");
        }

        return new DnsEndPoint(host, port);
    }

    private static InvalidConnectionStringException Invalid(string? text, string why) =>
        new($"Invalid ZooKeeper connection string '{text}': {why}.");
}
