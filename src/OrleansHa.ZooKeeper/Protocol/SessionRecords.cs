namespace OrleansHa.ZooKeeper.Protocol;

/// <summary>The first frame a client sends; it has no request header. The trailing readOnly byte is not in the jute file.</summary>
internal sealed record ConnectRequest(int ProtocolVersion, long LastZxidSeen, int TimeoutMs, long SessionId, byte[] Password, bool ReadOnly)
    : IJuteRecord, IJuteReadable<ConnectRequest>
{
    public const int PasswordLength = 16;

    public void Write(JuteWriter writer)
    {
        writer.WriteInt(ProtocolVersion);
        writer.WriteLong(LastZxidSeen);
        writer.WriteInt(TimeoutMs);
        writer.WriteLong(SessionId);
        writer.WriteBuffer(Password);
        writer.WriteBool(ReadOnly);
    }

    public static ConnectRequest Read(ref JuteReader reader) => new(
        reader.ReadInt(),
        reader.ReadLong(),
        reader.ReadInt(),
        reader.ReadLong(),
        reader.ReadBuffer() ?? [],
        reader.Remaining > 0 && reader.ReadBool());
}

/// <summary>
/// The first frame the server sends. <see cref="TimeoutMs"/> is the negotiated session timeout; 0 or less means the
/// session is expired or invalid.
/// </summary>
internal sealed record ConnectResponse(int ProtocolVersion, int TimeoutMs, long SessionId, byte[] Password, bool ReadOnly)
    : IJuteRecord, IJuteReadable<ConnectResponse>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteInt(ProtocolVersion);
        writer.WriteInt(TimeoutMs);
        writer.WriteLong(SessionId);
        writer.WriteBuffer(Password);
        writer.WriteBool(ReadOnly);
    }

    public static ConnectResponse Read(ref JuteReader reader) => new(
        reader.ReadInt(),
        reader.ReadInt(),
        reader.ReadLong(),
        reader.ReadBuffer() ?? [],

        // Only present when the request carried the readOnly byte, which ours always does.
        reader.Remaining > 0 && reader.ReadBool());
}

internal sealed record RequestHeader(int Xid, OpCode Type) : IJuteRecord, IJuteReadable<RequestHeader>
{
    public const int EncodedSize = 8;

    public void Write(JuteWriter writer)
    {
        writer.WriteInt(Xid);
        writer.WriteInt((int)Type);
    }

    public static RequestHeader Read(ref JuteReader reader) => new(reader.ReadInt(), (OpCode)reader.ReadInt());
}

internal sealed record ReplyHeader(int Xid, long Zxid, ErrorCode Err) : IJuteRecord, IJuteReadable<ReplyHeader>
{
    public const int EncodedSize = 16;

    public void Write(JuteWriter writer)
    {
        writer.WriteInt(Xid);
        writer.WriteLong(Zxid);
        writer.WriteInt((int)Err);
    }

    public static ReplyHeader Read(ref JuteReader reader) => new(reader.ReadInt(), reader.ReadLong(), (ErrorCode)reader.ReadInt());
}

/// <summary>Digest (or other scheme) credentials for the connection; sent with xid -4.</summary>
internal sealed record AuthPacket(int Type, string Scheme, byte[] Auth) : IJuteRecord, IJuteReadable<AuthPacket>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteInt(Type);
        writer.WriteString(Scheme);
        writer.WriteBuffer(Auth);
    }

    public static AuthPacket Read(ref JuteReader reader) =>
        new(reader.ReadInt(), reader.ReadRequiredString("scheme"), reader.ReadBuffer() ?? []);
}

/// <summary>Re-registers watches after a reconnect; the server fires at once what changed since <see cref="RelativeZxid"/>.</summary>
internal sealed record SetWatches(long RelativeZxid, List<string> DataWatches, List<string> ExistWatches, List<string> ChildWatches)
    : IJuteRecord, IJuteReadable<SetWatches>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteLong(RelativeZxid);
        writer.WriteStringVector(DataWatches);
        writer.WriteStringVector(ExistWatches);
        writer.WriteStringVector(ChildWatches);
    }

    public static SetWatches Read(ref JuteReader reader) => new(
        reader.ReadLong(),
        reader.ReadStringVector() ?? [],
        reader.ReadStringVector() ?? [],
        reader.ReadStringVector() ?? []);
}

/// <summary>The body of a notification (xid -1). The path is the server's, chroot included.</summary>
internal sealed record WatcherEvent(WatchEventType Type, KeeperState State, string Path) : IJuteRecord, IJuteReadable<WatcherEvent>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteInt((int)Type);
        writer.WriteInt((int)State);
        writer.WriteString(Path);
    }

    public static WatcherEvent Read(ref JuteReader reader) =>
        new((WatchEventType)reader.ReadInt(), (KeeperState)reader.ReadInt(), reader.ReadString() ?? string.Empty);
}

internal sealed record ErrorResponse(ErrorCode Err) : IJuteRecord, IJuteReadable<ErrorResponse>
{
    public void Write(JuteWriter writer) => writer.WriteInt((int)Err);

    public static ErrorResponse Read(ref JuteReader reader) => new((ErrorCode)reader.ReadInt());
}
