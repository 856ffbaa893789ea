using System.Text.Json;

namespace OrleansHa.Abstractions;

/// <summary>
/// The election's znodes under a cluster's root (ARCHITECTURE §3). Nodes write them; nodes and grain clients read
/// them, so both take the layout from here.
/// </summary>
public sealed record MasterPaths(string ClusterRoot)
{
    /// <summary>The default prefix under which each cluster keeps its znodes.</summary>
    public const string DefaultRootPath = "/orleans-ha";

    public string Root => ClusterRoot + "/master";

    /// <summary>Persistent: the last epoch issued and the id of the store it belongs to; written only with a version check.</summary>
    public string Epoch => Root + "/epoch";

    /// <summary>Ephemeral: the active master's record (<see cref="ActiveMasterRecord"/>).</summary>
    public string Active => Root + "/active";

    /// <summary>Ephemeral children: one per standby, for status pages.</summary>
    public string Candidates => Root + "/candidates";

    /// <summary>The paths of cluster <paramref name="clusterId"/> under <paramref name="rootPath"/> (<c>/orleans-ha/&lt;cluster id&gt;</c>).</summary>
    public static MasterPaths For(string clusterId, string rootPath = DefaultRootPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentException.ThrowIfNullOrWhiteSpace(rootPath);
        return new MasterPaths(rootPath.TrimEnd('/') + "/" + clusterId);
    }
}

/// <summary>The JSON of <c>master/active</c>: a <see cref="MasterInfo"/>.</summary>
public static class ActiveMasterRecord
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static byte[] Serialize(MasterInfo record) => JsonSerializer.SerializeToUtf8Bytes(record, Json);

    /// <exception cref="FormatException"><paramref name="data"/> is not a master record; the message names <paramref name="path"/>.</exception>
    public static MasterInfo Read(byte[] data, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<MasterInfo>(data, Json) ?? throw new FormatException($"{path} holds null");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path} does not hold a valid {nameof(MasterInfo)}: {ex.Message}", ex);
        }
    }
}
