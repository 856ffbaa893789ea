using System.Net;
using Orleans;
using Orleans.Runtime;

namespace OrleansHa.Clustering.ZooKeeper.Tests.Infrastructure;

/// <summary>Membership entries for tests: every one has its own silo address (port and generation).</summary>
internal static class Entries
{
    private static int _next;

    /// <summary>A silo address on 127.0.0.1 that no other call returns.</summary>
    public static SiloAddress NewSiloAddress()
    {
        int n = Interlocked.Increment(ref _next);
        return SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 20_000 + (n % 20_000)), 1_000_000 + n);
    }

    /// <summary>UTC now, truncated to whole seconds, as Orleans' own conformance tests use.</summary>
    public static DateTime UtcNowSeconds()
    {
        DateTime now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }

    public static MembershipEntry New(SiloStatus status = SiloStatus.Joining, int? proxyPort = null)
    {
        SiloAddress address = NewSiloAddress();
        DateTime now = UtcNowSeconds();
        return new MembershipEntry
        {
            SiloAddress = address,
            Status = status,
            ProxyPort = proxyPort ?? address.Endpoint.Port + 10_000,
            HostName = "host-" + address.Generation,
            SiloName = "silo-" + address.Generation,
            RoleName = "role",
            UpdateZone = 0,
            FaultZone = 0,
            StartTime = now,
            IAmAliveTime = now,
            SuspectTimes = [],
        };
    }

    /// <summary>A copy with the same silo: what a silo would pass to UpdateRow after changing some fields.</summary>
    public static MembershipEntry Copy(MembershipEntry e) => new()
    {
        SiloAddress = e.SiloAddress,
        Status = e.Status,
        ProxyPort = e.ProxyPort,
        HostName = e.HostName,
        SiloName = e.SiloName,
        RoleName = e.RoleName,
        UpdateZone = e.UpdateZone,
        FaultZone = e.FaultZone,
        StartTime = e.StartTime,
        IAmAliveTime = e.IAmAliveTime,
        SuspectTimes = e.SuspectTimes is null ? null : [.. e.SuspectTimes],
    };

    /// <summary>Asserts that every persisted field of <paramref name="actual"/> equals <paramref name="expected"/>'s.</summary>
    public static void AssertSame(MembershipEntry expected, MembershipEntry actual)
    {
        Assert.Equal(expected.SiloAddress, actual.SiloAddress);
        Assert.Equal(expected.SiloAddress.Generation, actual.SiloAddress.Generation);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.ProxyPort, actual.ProxyPort);
        Assert.Equal(expected.HostName, actual.HostName);
        Assert.Equal(expected.SiloName, actual.SiloName);
        Assert.Equal(expected.RoleName, actual.RoleName);
        Assert.Equal(expected.UpdateZone, actual.UpdateZone);
        Assert.Equal(expected.FaultZone, actual.FaultZone);
        AssertSameInstant(expected.StartTime, actual.StartTime);
        AssertSameInstant(expected.IAmAliveTime, actual.IAmAliveTime);
        var expectedSuspects = expected.SuspectTimes ?? [];
        var actualSuspects = actual.SuspectTimes ?? [];
        Assert.Equal(expectedSuspects.Count, actualSuspects.Count);
        for (int i = 0; i < expectedSuspects.Count; i++)
        {
            Assert.Equal(expectedSuspects[i].Item1, actualSuspects[i].Item1);
            Assert.Equal(expectedSuspects[i].Item1.Generation, actualSuspects[i].Item1.Generation);
            AssertSameInstant(expectedSuspects[i].Item2, actualSuspects[i].Item2);
        }
    }

    /// <summary>Same point in time (UTC), whatever <see cref="DateTime.Kind"/> the store hands back.</summary>
    public static void AssertSameInstant(DateTime expected, DateTime actual) =>
        Assert.Equal(ToUtc(expected), ToUtc(actual));

    public static DateTime ToUtc(DateTime t) => t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);

    /// <summary>The row of <paramref name="silo"/> in <paramref name="data"/>, failing the test if absent.</summary>
    public static Tuple<MembershipEntry, string> Row(MembershipTableData data, SiloAddress silo) =>
        data.TryGet(silo) ?? throw new Xunit.Sdk.XunitException($"No row for {silo} in {data}");
}
