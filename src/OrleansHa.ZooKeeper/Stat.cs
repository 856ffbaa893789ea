using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper;

/// <summary>A node's metadata as the server reports it. <see cref="Version"/> is what compare-and-set writes check.</summary>
/// <param name="Czxid">The zxid of the transaction that created the node.</param>
/// <param name="Mzxid">The zxid of the last data change.</param>
/// <param name="Ctime">Creation time, milliseconds since the Unix epoch.</param>
/// <param name="Mtime">Time of the last data change, milliseconds since the Unix epoch.</param>
/// <param name="Version">The data version, bumped by every setData.</param>
/// <param name="Cversion">The child-list version.</param>
/// <param name="Aversion">The ACL version.</param>
/// <param name="EphemeralOwner">The owning session's id for an ephemeral node, otherwise 0.</param>
/// <param name="DataLength">Length of the data in bytes.</param>
/// <param name="NumChildren">Number of children.</param>
/// <param name="Pzxid">The zxid of the last child-list change.</param>
public sealed record Stat(
    long Czxid,
    long Mzxid,
    long Ctime,
    long Mtime,
    int Version,
    int Cversion,
    int Aversion,
    long EphemeralOwner,
    int DataLength,
    int NumChildren,
    long Pzxid) : IJuteRecord, IJuteReadable<Stat>
{
    /// <summary>The encoded size of a Stat on the wire.</summary>
    internal const int EncodedSize = 68;

    public bool IsEphemeral => EphemeralOwner != 0;

    void IJuteRecord.Write(JuteWriter writer)
    {
        writer.WriteLong(Czxid);
        writer.WriteLong(Mzxid);
        writer.WriteLong(Ctime);
        writer.WriteLong(Mtime);
        writer.WriteInt(Version);
        writer.WriteInt(Cversion);
        writer.WriteInt(Aversion);
        writer.WriteLong(EphemeralOwner);
        writer.WriteInt(DataLength);
        writer.WriteInt(NumChildren);
        writer.WriteLong(Pzxid);
    }

    static Stat IJuteReadable<Stat>.Read(ref JuteReader reader) => new(
        reader.ReadLong(),
        reader.ReadLong(),
        reader.ReadLong(),
        reader.ReadLong(),
        reader.ReadInt(),
        reader.ReadInt(),
        reader.ReadInt(),
        reader.ReadLong(),
        reader.ReadInt(),
        reader.ReadInt(),
        reader.ReadLong());
}
