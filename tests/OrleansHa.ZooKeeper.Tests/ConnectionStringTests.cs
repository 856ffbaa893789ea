using System.Net;

namespace OrleansHa.ZooKeeper.Tests;

/// <summary>Parsing of <c>host:port[,host:port...][/chroot]</c> and the chroot path mapping.</summary>
public sealed class ConnectionStringTests
{
    [Fact]
    public void Single_host_with_port()
    {
        ConnectionString parsed = ConnectionString.Parse("zk1:2182");

        Assert.Equal([new DnsEndPoint("zk1", 2182)], parsed.Hosts);
        Assert.Null(parsed.Chroot);
        Assert.Equal("zk1:2182", parsed.Original);
        Assert.Equal("zk1:2182", parsed.ToString());
    }

    [Fact]
    public void Missing_port_defaults_to_2181()
    {
        ConnectionString parsed = ConnectionString.Parse("localhost");

        Assert.Equal(2181, ConnectionString.DefaultPort);
        Assert.Equal([new DnsEndPoint("localhost", 2181)], parsed.Hosts);
    }

    [Fact]
    public void Several_hosts_keep_their_order_and_ports()
    {
        ConnectionString parsed = ConnectionString.Parse("a:1,b,127.0.0.1:65535");

        Assert.Equal(
            [new DnsEndPoint("a", 1), new DnsEndPoint("b", 2181), new DnsEndPoint("127.0.0.1", 65535)],
            parsed.Hosts);
    }

    [Fact]
    public void Whitespace_around_entries_is_trimmed()
    {
        ConnectionString parsed = ConnectionString.Parse("  a:1 ,\tb:2  , c ");

        Assert.Equal([new DnsEndPoint("a", 1), new DnsEndPoint("b", 2), new DnsEndPoint("c", 2181)], parsed.Hosts);
    }

    [Fact]
    public void Chroot_is_everything_from_the_first_slash()
    {
        ConnectionString parsed = ConnectionString.Parse("a:1,b:2/apps/orleans");

        Assert.Equal("/apps/orleans", parsed.Chroot);
        Assert.Equal([new DnsEndPoint("a", 1), new DnsEndPoint("b", 2)], parsed.Hosts);
    }

    [Fact]
    public void Chroot_of_a_single_slash_is_no_chroot()
    {
        ConnectionString parsed = ConnectionString.Parse("a:1/");

        Assert.Null(parsed.Chroot);
        Assert.Equal("/x", parsed.ToServerPath("/x"));
    }

    [Theory]
    [InlineData("[::1]:2182", "::1", 2182)]
    [InlineData("[::1]", "::1", 2181)]
    [InlineData("[fe80::1:2:3]:9", "fe80::1:2:3", 9)]
    [InlineData(" [2001:db8::7] ", "2001:db8::7", 2181)]
    public void Ipv6_in_brackets_with_or_without_port(string text, string host, int port)
    {
        ConnectionString parsed = ConnectionString.Parse(text);

        Assert.Equal([new DnsEndPoint(host, port)], parsed.Hosts);
    }

    [Fact]
    public void Ipv6_mixed_with_names_and_a_chroot()
    {
        ConnectionString parsed = ConnectionString.Parse("[::1]:1,b:2/c");

        Assert.Equal([new DnsEndPoint("::1", 1), new DnsEndPoint("b", 2)], parsed.Hosts);
        Assert.Equal("/c", parsed.Chroot);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_is_rejected(string? text)
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse(text));

        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",a:1")]
    [InlineData("a:1,")]
    [InlineData("a:1,,b:2")]
    [InlineData("a:1, ,b:2")]
    [InlineData("/chroot")]
    public void Empty_entry_is_rejected(string text)
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse(text));

        Assert.Contains("empty host entry", ex.Message, StringComparison.Ordinal);
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a:0", "0")]
    [InlineData("a:65536", "65536")]
    [InlineData("a:abc", "abc")]
    [InlineData("a:-1", "-1")]
    [InlineData("a:+5", "+5")]
    [InlineData("a:", "")]
    [InlineData("[::1]:99999", "99999")]
    public void Bad_port_is_rejected_naming_it(string text, string port)
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse(text));

        Assert.Contains($"port '{port}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 65535", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unclosed_bracket_is_rejected()
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse("[::1:2181"));

        Assert.Contains("without closing it", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_after_the_closing_bracket_that_is_not_a_port_is_rejected()
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse("[::1]2181"));

        Assert.Contains("after ']'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_address_in_brackets_is_rejected()
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse("[zk1]:2181"));

        Assert.Contains("not an IPv6 address", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("::1")]
    [InlineData("fe80::1:2181")]
    [InlineData("a:1,2001:db8::1")]
    public void Bare_ipv6_without_brackets_is_rejected(string text)
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse(text));

        Assert.Contains("several ':'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("brackets", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(":2181")]
    [InlineData("[]:2181")]
    public void Entry_without_host_is_rejected(string text)
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse(text));

        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_with_inner_whitespace_is_rejected()
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse("zk 1:2181"));

        Assert.Contains("whitespace", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a:1/a//b", "empty segment")]
    [InlineData("a:1/a/", "must not end with '/'")]
    [InlineData("a:1/a/../b", "relative segment '..'")]
    [InlineData("a:1/a/./b", "relative segment '.'")]
    [InlineData("a:1//", "must not end with '/'")]
    public void Invalid_chroot_is_rejected_naming_the_path_rule(string text, string rule)
    {
        var ex = Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse(text));

        Assert.Contains("chroot is not a valid path", ex.Message, StringComparison.Ordinal);
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exception_is_an_argument_exception()
    {
        Assert.IsAssignableFrom<ArgumentException>(Assert.Throws<InvalidConnectionStringException>(() => ConnectionString.Parse("a:0")));
    }

    [Fact]
    public void TryParse_reports_the_same_message_without_throwing()
    {
        Assert.False(ConnectionString.TryParse("a:0", out ConnectionString? bad, out string? error));
        Assert.Null(bad);
        Assert.Contains("port '0'", error, StringComparison.Ordinal);

        Assert.True(ConnectionString.TryParse("a:1/c", out ConnectionString? good, out string? none));
        Assert.Null(none);
        Assert.Equal("/c", good!.Chroot);
    }

    [Theory]
    [InlineData("/", "/app")]
    [InlineData("/x", "/app/x")]
    [InlineData("/x/y", "/app/x/y")]
    public void ToServerPath_prefixes_the_chroot_and_maps_root_to_it(string client, string server)
    {
        Assert.Equal(server, ConnectionString.Parse("h:1/app").ToServerPath(client));
    }

    [Theory]
    [InlineData("/app", "/")]
    [InlineData("/app/x", "/x")]
    [InlineData("/app/x/y", "/x/y")]
    [InlineData("/apple", "/apple")]
    [InlineData("/other/x", "/other/x")]
    public void ToClientPath_strips_the_chroot_and_maps_it_to_root(string server, string client)
    {
        Assert.Equal(client, ConnectionString.Parse("h:1/app").ToClientPath(server));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/x")]
    [InlineData("/x/y")]
    public void Without_chroot_paths_are_unchanged(string path)
    {
        ConnectionString parsed = ConnectionString.Parse("h:1");

        Assert.Equal(path, parsed.ToServerPath(path));
        Assert.Equal(path, parsed.ToClientPath(path));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/x")]
    [InlineData("/x/ü")]
    public void Chroot_mapping_round_trips(string path)
    {
        ConnectionString parsed = ConnectionString.Parse("h:1/a/b");

        Assert.Equal(path, parsed.ToClientPath(parsed.ToServerPath(path)));
    }
}
