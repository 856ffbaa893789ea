using System.Net;
using System.Net.Sockets;

namespace OrleansHa.ZooKeeper.Tests;

/// <summary><see cref="ZooKeeperClientOptions.Validate"/> names every bad option; <see cref="ReconnectPolicy"/> delays.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public void Valid_options_pass()
    {
        new ZooKeeperClientOptions { ConnectionString = "a:1,b:2/chroot" }.Validate();
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:0")]
    [InlineData("::1")]
    [InlineData("a:1/b/")]
    public void Bad_connection_string_is_named(string connectionString)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ZooKeeperClientOptions { ConnectionString = connectionString }.Validate());

        Assert.Contains("ConnectionString:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Invalid ZooKeeper connection string", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Zero_or_negative_session_timeout_is_named(int milliseconds)
    {
        AssertNamed(new ZooKeeperClientOptions { ConnectionString = "a", SessionTimeout = TimeSpan.FromMilliseconds(milliseconds) }, "SessionTimeout must be positive");
    }

    [Fact]
    public void Session_timeout_beyond_an_int_of_milliseconds_is_named()
    {
        AssertNamed(new ZooKeeperClientOptions { ConnectionString = "a", SessionTimeout = TimeSpan.FromDays(30) }, "SessionTimeout");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Zero_or_negative_connect_timeout_is_named(int milliseconds)
    {
        AssertNamed(new ZooKeeperClientOptions { ConnectionString = "a", ConnectTimeout = TimeSpan.FromMilliseconds(milliseconds) }, "ConnectTimeout must be positive");
    }

    [Fact]
    public void Connect_timeout_longer_than_a_timer_can_wait_is_named()
    {
        // ConnectAsync waits with Task.WaitAsync, which accepts at most 0xFFFFFFFE ms (about 49.7 days); anything
        // longer must be refused here, not fail inside ConnectAsync with ArgumentOutOfRangeException after the run
        // loop has already started connecting.
        AssertNamed(new ZooKeeperClientOptions { ConnectionString = "a", ConnectTimeout = TimeSpan.FromDays(60) }, "ConnectTimeout");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1023)]
    [InlineData(-1)]
    public void Max_frame_size_below_1024_is_named(int size)
    {
        AssertNamed(new ZooKeeperClientOptions { ConnectionString = "a", MaxFrameSize = size }, "MaxFrameSize must be at least 1024");
    }

    [Fact]
    public void Max_frame_size_of_1024_is_accepted()
    {
        new ZooKeeperClientOptions { ConnectionString = "a", MaxFrameSize = 1024 }.Validate();
    }

    [Fact]
    public void Negative_base_delay_is_named()
    {
        var options = new ZooKeeperClientOptions { ConnectionString = "a", ReconnectPolicy = new() { BaseDelay = TimeSpan.FromMilliseconds(-1) } };

        AssertNamed(options, "ReconnectPolicy.BaseDelay must not be negative");
    }

    [Fact]
    public void Max_delay_below_base_delay_is_named()
    {
        var options = new ZooKeeperClientOptions
        {
            ConnectionString = "a",
            ReconnectPolicy = new() { BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) },
        };

        AssertNamed(options, "ReconnectPolicy.MaxDelay");
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Jitter_out_of_range_is_named(double jitter)
    {
        var options = new ZooKeeperClientOptions { ConnectionString = "a", ReconnectPolicy = new() { Jitter = jitter } };

        AssertNamed(options, "ReconnectPolicy.Jitter must be from 0 to 1");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Jitter_bounds_are_accepted(double jitter)
    {
        new ZooKeeperClientOptions { ConnectionString = "a", ReconnectPolicy = new() { Jitter = jitter } }.Validate();
    }

    [Fact]
    public void Missing_policy_logger_and_clock_are_named()
    {
        var options = new ZooKeeperClientOptions { ConnectionString = "a", ReconnectPolicy = null!, LoggerFactory = null!, TimeProvider = null! };

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("ReconnectPolicy must be set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LoggerFactory must be set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TimeProvider must be set", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_bad_options_are_all_listed()
    {
        var options = new ZooKeeperClientOptions
        {
            ConnectionString = "a:99999",
            SessionTimeout = TimeSpan.Zero,
            ConnectTimeout = TimeSpan.FromSeconds(-1),
            MaxFrameSize = 10,
            ReconnectPolicy = new() { BaseDelay = TimeSpan.FromSeconds(-1), MaxDelay = TimeSpan.FromSeconds(-2), Jitter = 2 },
        };

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.StartsWith("Invalid ZooKeeper client options:", ex.Message, StringComparison.Ordinal);
        foreach (string name in new[] { "ConnectionString", "SessionTimeout", "ConnectTimeout", "MaxFrameSize", "ReconnectPolicy.BaseDelay", "ReconnectPolicy.MaxDelay", "ReconnectPolicy.Jitter" })
        {
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void GetDelay_is_zero_before_any_failed_pass()
    {
        var policy = new ReconnectPolicy();

        Assert.Equal(TimeSpan.Zero, policy.GetDelay(0));
        Assert.Equal(TimeSpan.Zero, policy.GetDelay(-3));
    }

    [Fact]
    public void GetDelay_without_jitter_doubles_from_base_up_to_max()
    {
        var policy = new ReconnectPolicy { BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(1), Jitter = 0 };

        Assert.Equal(TimeSpan.FromMilliseconds(50), policy.GetDelay(1));
        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.GetDelay(2));
        Assert.Equal(TimeSpan.FromMilliseconds(200), policy.GetDelay(3));
        Assert.Equal(TimeSpan.FromMilliseconds(800), policy.GetDelay(5));
        Assert.Equal(TimeSpan.FromSeconds(1), policy.GetDelay(6));
        Assert.Equal(TimeSpan.FromSeconds(1), policy.GetDelay(100));
        Assert.Equal(TimeSpan.FromSeconds(1), policy.GetDelay(int.MaxValue));
    }

    [Fact]
    public void GetDelay_with_jitter_stays_between_its_bounds_and_never_exceeds_max()
    {
        var policy = new ReconnectPolicy { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(700), Jitter = 0.5 };

        TimeSpan previousFloor = TimeSpan.Zero;
        for (int passes = 1; passes <= 40; passes++)
        {
            double full = Math.Min(700, 100 * Math.Pow(2, passes - 1));
            for (int sample = 0; sample < 50; sample++)
            {
                TimeSpan delay = policy.GetDelay(passes);
                Assert.InRange(delay.TotalMilliseconds, (full * 0.5) - 0.001, full + 0.001);
                Assert.True(delay <= policy.MaxDelay);
            }

            TimeSpan floor = TimeSpan.FromMilliseconds(full * 0.5);
            Assert.True(floor >= previousFloor);
            previousFloor = floor;
        }
    }

    [Fact]
    public async Task ConnectAsync_with_invalid_options_throws_before_any_network_io()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var options = new ZooKeeperClientOptions { ConnectionString = $"127.0.0.1:{port}", SessionTimeout = TimeSpan.Zero, MaxFrameSize = 1 };

            var ex = await Assert.ThrowsAsync<ArgumentException>(() => ZooKeeperClient.ConnectAsync(options)).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Contains("SessionTimeout", ex.Message, StringComparison.Ordinal);
            Assert.Contains("MaxFrameSize", ex.Message, StringComparison.Ordinal);
            await Task.Delay(100);
            Assert.False(listener.Pending(), "the client opened a connection although its options are invalid");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task ConnectAsync_with_a_bad_connection_string_throws_naming_it()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => ZooKeeperClient.ConnectAsync("zk1:0")).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("port '0'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_with_null_options_throws()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => ZooKeeperClient.ConnectAsync((ZooKeeperClientOptions)null!)).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static void AssertNamed(ZooKeeperClientOptions options, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
