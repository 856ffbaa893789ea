using System.Globalization;
using OrleansHa.Abstractions;

namespace OrleansHa.Grains.Storage;

/// <summary>Tenures: every epoch a master recorded on opening the store, which is the cluster's failover history.</summary>
internal sealed partial class MetadataStore
{
    /// <summary>
    /// The <paramref name="limit"/> highest epochs recorded, newest first, each with the last heartbeat
    /// (<see cref="RecordAlive"/>) of the tenure before it: the moment the master it replaced was last known alive.
    /// </summary>
    public IReadOnlyList<TenureInfo> ListTenures(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Read(transaction =>
        {
            using var command = Command(
                _connection,
                transaction,
                """
                SELECT epoch, node, started_at, previous_last_alive_at FROM (
                    SELECT epoch, node, started_at, LAG(last_alive_at) OVER (ORDER BY epoch) AS previous_last_alive_at FROM epochs)
                ORDER BY epoch DESC LIMIT @limit;
                """,
                [("@limit", limit)]);
            using var reader = command.ExecuteReader();
            var tenures = new List<TenureInfo>();
            while (reader.Read())
            {
                tenures.Add(new TenureInfo(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    ParseTimestamp(reader.GetString(2)),
                    reader.IsDBNull(3) ? null : ParseTimestamp(reader.GetString(3))));
            }

            return tenures;
        });
    }

    private static DateTimeOffset ParseTimestamp(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
