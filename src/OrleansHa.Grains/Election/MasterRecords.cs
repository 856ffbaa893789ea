using System.Text.Json;
using OrleansHa.Abstractions;

namespace OrleansHa.Grains.Election;

/// <summary>The content of <c>master/epoch</c>: the last epoch issued and the metadata store it was issued for.</summary>
internal sealed record EpochRecord(long Epoch, string? StoreId);

/// <summary>JSON for the election's znodes; what cannot be read is reported with its path.</summary>
internal static class MasterRecords
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static byte[] Serialize(EpochRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Json);

    public static byte[] Serialize(MasterInfo record) => JsonSerializer.SerializeToUtf8Bytes(record, Json);

    public static EpochRecord ReadEpoch(byte[] data, string path) => data.Length == 0 ? new EpochRecord(0, null) : Read<EpochRecord>(data, path);

    public static MasterInfo ReadMaster(byte[] data, string path) => Read<MasterInfo>(data, path);

    private static T Read<T>(byte[] data, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(data, Json) ?? throw new FormatException($"{path} holds null");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path} does not hold a valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
