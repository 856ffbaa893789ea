using System.Globalization;
using System.Text;
using System.Text.Json;
using Orleans;
using Orleans.Runtime;

namespace OrleansHa.Clustering.ZooKeeper;

/// <summary>
/// A membership row as JSON in its znode, and IAmAlive as an ISO 8601 timestamp in the row's <c>alive</c> child.
/// Silo addresses are written in their parsable form, so rows read the same from any process.
/// </summary>
internal static class MembershipRowSerializer
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static byte[] Serialize(MembershipEntry entry)
    {
        var row = new MembershipRow(
            entry.SiloAddress.ToParsableString(),
            entry.Status,
            entry.SuspectTimes?.Select(vote => new SuspectVote(vote.Item1.ToParsableString(), vote.Item2)).ToList(),
            entry.ProxyPort,
            entry.HostName,
            entry.SiloName,
            entry.RoleName,
            entry.UpdateZone,
            entry.FaultZone,
            entry.StartTime,
            entry.IAmAliveTime);
        return JsonSerializer.SerializeToUtf8Bytes(row, Json);
    }

    /// <exception cref="FormatException">The row is not a membership row; the message names <paramref name="path"/>.</exception>
    public static MembershipEntry Deserialize(byte[] data, string path)
    {
        MembershipRow? row;
        try
        {
            row = JsonSerializer.Deserialize<MembershipRow>(data, Json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The membership row at {path} is not valid JSON: {ex.Message}", ex);
        }

        if (row?.SiloAddress is null)
        {
            throw new FormatException($"The membership row at {path} has no silo address.");
        }

        if (row.SuspectTimes?.Any(vote => vote?.Silo is null) == true)
        {
            throw new FormatException($"The membership row at {path} has a suspect vote without a silo.");
        }

        try
        {
            return new MembershipEntry
            {
                SiloAddress = SiloAddress.FromParsableString(row.SiloAddress),
                Status = row.Status,
                SuspectTimes = row.SuspectTimes?.Select(v => Tuple.Create(SiloAddress.FromParsableString(v.Silo), v.Time)).ToList() ?? [],
                ProxyPort = row.ProxyPort,
                HostName = row.HostName ?? string.Empty,
                SiloName = row.SiloName ?? string.Empty,
                RoleName = row.RoleName,
                UpdateZone = row.UpdateZone,
                FaultZone = row.FaultZone,
                StartTime = row.StartTime,
                IAmAliveTime = row.IAmAliveTime,
            };
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new FormatException($"The membership row at {path} holds an unreadable silo address: {ex.Message}", ex);
        }
    }

    public static byte[] SerializeIAmAlive(DateTime time) => Encoding.UTF8.GetBytes(time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));

    public static DateTime? DeserializeIAmAlive(byte[] data) =>
        DateTime.TryParse(Encoding.UTF8.GetString(data), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTime time) ? time : null;

    public static byte[] SerializeTableVersion(int version) => Encoding.UTF8.GetBytes(version.ToString(CultureInfo.InvariantCulture));

    public static int DeserializeTableVersion(byte[] data, string path) =>
        data.Length == 0 ? 0
        : int.TryParse(Encoding.UTF8.GetString(data), NumberStyles.None, CultureInfo.InvariantCulture, out int version) ? version
        : throw new FormatException($"The membership table version at {path} is not a number.");

    private sealed record MembershipRow(
        string SiloAddress,
        SiloStatus Status,
        List<SuspectVote>? SuspectTimes,
        int ProxyPort,
        string? HostName,
        string? SiloName,
        string? RoleName,
        int UpdateZone,
        int FaultZone,
        DateTime StartTime,
        DateTime IAmAliveTime);

    private sealed record SuspectVote(string Silo, DateTime Time);
}
