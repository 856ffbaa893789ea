using System.Globalization;
using OrleansHa.Abstractions;

namespace OrleansHa.Grains.Storage;

/// <summary>Tenures: every epoch a master recorded on opening the store, which is the cluster's failover history.</summary>
internal sealed partial class MetadataStore
{
    /// <summary>The <paramref name="limit"/> highest epochs recorded, newest first.</summary>
    public IReadOnlyList<TenureInfo> ListTenures(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Read(transaction =>
        {
            using var command = Command(_connection, transaction, "SELECT epoch, node, started_at FROM epochs ORDER BY epoch DESC LIMIT @limit;", [("@limit", limit)]);
            using var reader = command.ExecuteReader();
            var tenures = new List<TenureInfo>();
            while (reader.Read())
            {
                tenures.Add(new TenureInfo(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)));
            }

            return tenures;
        });
    }
}
