namespace OrleansHa.ZooKeeper.Protocol;

/// <summary>Create, create2 and createContainer share this layout.</summary>
internal sealed record CreateRequest(string Path, byte[]? Data, List<Acl> Acl, int Flags) : IJuteRecord, IJuteReadable<CreateRequest>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteString(Path);
        writer.WriteBuffer(Data);
        writer.WriteVector(Acl);
        writer.WriteInt(Flags);
    }

    public static CreateRequest Read(ref JuteReader reader) =>
        new(reader.ReadRequiredString("path"), reader.ReadBuffer(), reader.ReadVector<Acl>() ?? [], reader.ReadInt());
}

internal sealed record CreateResponse(string Path) : IJuteRecord, IJuteReadable<CreateResponse>
{
    public void Write(JuteWriter writer) => writer.WriteString(Path);

    public static CreateResponse Read(ref JuteReader reader) => new(reader.ReadRequiredString("path"));
}

internal sealed record Create2Response(string Path, Stat Stat) : IJuteRecord, IJuteReadable<Create2Response>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteString(Path);
        writer.WriteRecord(Stat);
    }

    public static Create2Response Read(ref JuteReader reader) => new(reader.ReadRequiredString("path"), reader.ReadRecord<Stat>());
}

/// <summary>Delete, and check inside a multi (CheckVersionRequest), share this layout.</summary>
internal sealed record PathVersionRequest(string Path, int Version) : IJuteRecord, IJuteReadable<PathVersionRequest>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteString(Path);
        writer.WriteInt(Version);
    }

    public static PathVersionRequest Read(ref JuteReader reader) => new(reader.ReadRequiredString("path"), reader.ReadInt());
}

/// <summary>Exists, getData, getChildren and getChildren2 requests share this layout.</summary>
internal sealed record PathWatchRequest(string Path, bool Watch) : IJuteRecord, IJuteReadable<PathWatchRequest>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteString(Path);
        writer.WriteBool(Watch);
    }

    public static PathWatchRequest Read(ref JuteReader reader) => new(reader.ReadRequiredString("path"), reader.ReadBool());
}

/// <summary>GetACL and sync requests, and the sync response, are a bare path.</summary>
internal sealed record PathRecord(string Path) : IJuteRecord, IJuteReadable<PathRecord>
{
    public void Write(JuteWriter writer) => writer.WriteString(Path);

    public static PathRecord Read(ref JuteReader reader) => new(reader.ReadRequiredString("path"));
}

internal sealed record SetDataRequest(string Path, byte[]? Data, int Version) : IJuteRecord, IJuteReadable<SetDataRequest>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteString(Path);
        writer.WriteBuffer(Data);
        writer.WriteInt(Version);
    }

    public static SetDataRequest Read(ref JuteReader reader) =>
        new(reader.ReadRequiredString("path"), reader.ReadBuffer(), reader.ReadInt());
}

/// <summary>Exists, setData and setACL responses are a bare Stat.</summary>
internal sealed record StatResponse(Stat Stat) : IJuteRecord, IJuteReadable<StatResponse>
{
    public void Write(JuteWriter writer) => writer.WriteRecord(Stat);

    public static StatResponse Read(ref JuteReader reader) => new(reader.ReadRecord<Stat>());
}

internal sealed record GetDataResponse(byte[]? Data, Stat Stat) : IJuteRecord, IJuteReadable<GetDataResponse>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteBuffer(Data);
        writer.WriteRecord(Stat);
    }

    public static GetDataResponse Read(ref JuteReader reader) => new(reader.ReadBuffer(), reader.ReadRecord<Stat>());
}

internal sealed record GetChildrenResponse(List<string> Children) : IJuteRecord, IJuteReadable<GetChildrenResponse>
{
    public void Write(JuteWriter writer) => writer.WriteStringVector(Children);

    public static GetChildrenResponse Read(ref JuteReader reader) => new(reader.ReadStringVector() ?? []);
}

internal sealed record GetChildren2Response(List<string> Children, Stat Stat) : IJuteRecord, IJuteReadable<GetChildren2Response>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteStringVector(Children);
        writer.WriteRecord(Stat);
    }

    public static GetChildren2Response Read(ref JuteReader reader) => new(reader.ReadStringVector() ?? [], reader.ReadRecord<Stat>());
}

internal sealed record GetAclResponse(List<Acl> Acl, Stat Stat) : IJuteRecord, IJuteReadable<GetAclResponse>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteVector(Acl);
        writer.WriteRecord(Stat);
    }

    public static GetAclResponse Read(ref JuteReader reader) => new(reader.ReadVector<Acl>() ?? [], reader.ReadRecord<Stat>());
}

internal sealed record SetAclRequest(string Path, List<Acl> Acl, int Version) : IJuteRecord, IJuteReadable<SetAclRequest>
{
    public void Write(JuteWriter writer)
    {
        writer.WriteString(Path);
        writer.WriteVector(Acl);
        writer.WriteInt(Version);
    }

    public static SetAclRequest Read(ref JuteReader reader) =>
        new(reader.ReadRequiredString("path"), reader.ReadVector<Acl>() ?? [], reader.ReadInt());
}

/// <summary>Precedes each operation and each result inside a multi; (-1, true, -1) ends the list.</summary>
internal sealed record MultiHeader(OpCode Type, bool Done, ErrorCode Err) : IJuteRecord, IJuteReadable<MultiHeader>
{
    public static MultiHeader End { get; } = new(OpCode.Error, true, (ErrorCode)(-1));

    public void Write(JuteWriter writer)
    {
        writer.WriteInt((int)Type);
        writer.WriteBool(Done);
        writer.WriteInt((int)Err);
    }

    public static MultiHeader Read(ref JuteReader reader) => new((OpCode)reader.ReadInt(), reader.ReadBool(), (ErrorCode)reader.ReadInt());
}
