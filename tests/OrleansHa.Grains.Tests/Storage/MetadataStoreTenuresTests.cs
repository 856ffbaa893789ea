using OrleansHa.Abstractions;
using OrleansHa.Grains.Storage;

namespace OrleansHa.Grains.Tests.Storage;

public sealed class MetadataStoreTenuresTests : IDisposable
{
    private readonly StorageDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Every_master_that_opened_the_store_is_a_tenure_listed_newest_first_and_read_as_failovers()
    {
        string id;
        DateTimeOffset before = DateTimeOffset.UtcNow;
        using (MetadataStore first = MetadataStore.Open(_dir.Path, 1, "m1", null))
        {
            id = first.StoreId;
        }

        using (MetadataStore second = MetadataStore.Open(_dir.Path, 2, "m2", id))
        {
        }

        using MetadataStore third = MetadataStore.Open(_dir.Path, 5, "m1", id);
        IReadOnlyList<TenureInfo> tenures = third.ListTenures(10);
        Assert.Equal([5L, 2L, 1L], tenures.Select(t => t.Epoch));
        Assert.Equal(["m1", "m2", "m1"], tenures.Select(t => t.NodeName));
        Assert.All(tenures, t => Assert.InRange(t.StartedAt, before, DateTimeOffset.UtcNow));
        Assert.True(tenures[0].StartedAt >= tenures[1].StartedAt && tenures[1].StartedAt >= tenures[2].StartedAt);
        Assert.Equal([5L, 2L], third.ListTenures(2).Select(t => t.Epoch));

        IReadOnlyList<Failover> failovers = Failover.From(tenures);
        Assert.Equal([("m2", "m1"), ("m1", "m2"), ((string?)null, "m1")], failovers.Select(f => (f.PreviousNode, f.NewNode)));
        Assert.All(failovers, f => Assert.Null(f.TimeToTakeOver));
        Assert.Throws<ArgumentOutOfRangeException>(() => third.ListTenures(0));
    }

    [Fact]
    public void A_tenure_carries_the_last_heartbeat_of_the_master_it_replaced()
    {
        string id;
        DateTimeOffset lastAlive;
        using (MetadataStore first = MetadataStore.Open(_dir.Path, 1, "m1", null))
        {
            id = first.StoreId;
            first.RecordAlive();
            lastAlive = DateTimeOffset.UtcNow;
        }

        using MetadataStore second = MetadataStore.Open(_dir.Path, 2, "m2", id);
        IReadOnlyList<TenureInfo> tenures = second.ListTenures(10);

        Assert.Null(tenures[1].PreviousLastAlive);
        DateTimeOffset previous = Assert.NotNull(tenures[0].PreviousLastAlive);
        Assert.Equal(second.PreviousMasterLastAlive(), previous);
        Assert.True(previous <= lastAlive && previous <= tenures[0].StartedAt);
        Failover failover = Failover.From(tenures)[0];
        Assert.Equal(tenures[0].StartedAt - previous, failover.TimeToTakeOver);
    }

    [Fact]
    public void A_failover_takes_from_the_previous_master_last_known_alive_to_the_new_start()
    {
        DateTimeOffset alive = DateTimeOffset.Parse("2026-01-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        IReadOnlyList<Failover> failovers = Failover.From([new TenureInfo(2, "m2", alive.AddMilliseconds(180), alive), new TenureInfo(1, "m1", alive.AddHours(-1))]);
        Assert.Equal(TimeSpan.FromMilliseconds(180), failovers[0].TimeToTakeOver);
    }
}
