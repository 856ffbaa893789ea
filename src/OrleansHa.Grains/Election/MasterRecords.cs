using System.Text.Json;

namespace OrleansHa.Grains.Election;

/// <summary>The content of <c>master/epoch</c>: the last epoch issued and the metadata store it was issued for.</summary>
internal sealed record EpochRecord(long Epoch, string? StoreId);

/// <summary>JSON for <c>master/epoch</c>; what cannot be read is reported with its path. (<c>master/active</c> is <c>ActiveMasterRecord</c>.)</summary>
internal static class MasterRecords
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static byte[] Serialize(EpochRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Json);

    public static EpochRecord ReadEpoch(byte[] data, string path)
    {
        if (data.Length == 0)
        {
            return new EpochRecord(0, null);
        }

        try
        {
            return JsonSerializer.Deserialize<EpochRecord>(data, Json) ?? throw new FormatException($"{path} holds null");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path} does not hold a valid {nameof(EpochRecord)}: {ex.Message}", ex);
        }
    }
}
