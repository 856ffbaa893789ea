using Orleans;
using Orleans.Runtime;
using OrleansHa.Clustering.ZooKeeper.Tests.Infrastructure;
using OrleansHa.Testing;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Clustering.ZooKeeper.Tests;

/// <summary>The table's one session can be lost; rows are persistent znodes, so a new session carries on.</summary>
public sealed class SessionLossTests(ZooKeeperServerFixture zk) : ConformanceTestBase(zk)
{
    [Fact]
    public async Task The_table_keeps_working_on_a_new_session_after_its_session_is_lost()
    {
        await using var proxy = new TcpProxy(Zk.Server.ClientPort);
        TableScope scope = NewScope() with { ConnectionString = proxy.ConnectionString };
        await using MembershipTableHandle silo = await MembershipTableHandle.CreateAsync(scope, Ct);
        MembershipEntry first = Entries.New(SiloStatus.Active);
        Assert.True(await silo.Table.InsertRowAsync(first, new TableVersion(1, "0"), Ct));
        ZooKeeperClient client = await silo.Shared.GetAsync(Ct);
        ZooKeeperSession lost = client.Session!;

        // Cut off until the client must count its session as gone; the ensemble expires it too.
        proxy.Blackhole();
        await Poll.UntilAsync(() => lost.IsLost, TimeSpan.FromSeconds(30), "the table's session to be lost", cancellationToken: Ct);
        proxy.Restore();

        MembershipEntry second = Entries.New(SiloStatus.Joining);
        Assert.True(await silo.Table.InsertRowAsync(second, new TableVersion(2, "1"), Ct));
        Assert.NotEqual(lost.Id, client.SessionId);
        MembershipTableData data = await silo.Table.ReadAllAsync(Ct);
        Assert.Equal(2, data.Version.Version);
        Assert.Equal(
            new[] { first.SiloAddress, second.SiloAddress }.Select(a => a.ToParsableString()).Order(StringComparer.Ordinal),
            data.Members.Select(m => m.Item1.SiloAddress.ToParsableString()).Order(StringComparer.Ordinal));
    }
}
