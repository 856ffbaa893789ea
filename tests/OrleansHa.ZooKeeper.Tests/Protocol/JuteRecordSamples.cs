using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper.Tests.Protocol;

/// <summary>One representative instance of every wire record, with its decoder, for table-driven protocol tests.</summary>
internal static class JuteRecordSamples
{
    public static readonly Stat Stat = new(
        Czxid: 0x1_0000_0002,
        Mzxid: long.MaxValue,
        Ctime: 1_700_000_000_000,
        Mtime: long.MinValue,
        Version: int.MaxValue,
        Cversion: -1,
        Aversion: int.MinValue,
        EphemeralOwner: 0x1234,
        DataLength: 2,
        NumChildren: 0,
        Pzxid: -1);

    public static readonly List<Acl> Acls =
    [
        new(Permissions.All, "world", "anyone"),
        new(Permissions.Read | Permissions.Admin, "digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="),
        new(Permissions.None, "auth", string.Empty),
    ];

    public static readonly byte[] Password = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];

    /// <summary>Name, sample and a decoder that reads the record without checking for leftovers.</summary>
    public static IReadOnlyList<(string Name, IJuteRecord Record, Func<byte[], IJuteRecord> Decode)> All { get; } =
    [
        ("ConnectRequest", new ConnectRequest(0, 0x42, 30_000, 0x1234, Password, true), JuteTestCodec.DecodePrefix<ConnectRequest>),
        ("ConnectResponse", new ConnectResponse(0, 4_000, 0x1234, Password, false), JuteTestCodec.DecodePrefix<ConnectResponse>),
        ("RequestHeader", new RequestHeader(7, OpCode.GetData), JuteTestCodec.DecodePrefix<RequestHeader>),
        ("ReplyHeader", new ReplyHeader(7, 99, ErrorCode.NoNode), JuteTestCodec.DecodePrefix<ReplyHeader>),
        ("AuthPacket", new AuthPacket(0, "digest", "alice:secret"u8.ToArray()), JuteTestCodec.DecodePrefix<AuthPacket>),
        ("SetWatches", new SetWatches(5, ["/d"], ["/e1", "/e2"], ["/c"]), JuteTestCodec.DecodePrefix<SetWatches>),
        ("WatcherEvent", new WatcherEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, "/w"), JuteTestCodec.DecodePrefix<WatcherEvent>),
        ("ErrorResponse", new ErrorResponse(ErrorCode.BadVersion), JuteTestCodec.DecodePrefix<ErrorResponse>),
        ("CreateRequest", new CreateRequest("/c", "hi"u8.ToArray(), Acls, (int)CreateMode.EphemeralSequential), JuteTestCodec.DecodePrefix<CreateRequest>),
        ("CreateResponse", new CreateResponse("/c0000000001"), JuteTestCodec.DecodePrefix<CreateResponse>),
        ("Create2Response", new Create2Response("/c", Stat), JuteTestCodec.DecodePrefix<Create2Response>),
        ("PathVersionRequest", new PathVersionRequest("/p", 3), JuteTestCodec.DecodePrefix<PathVersionRequest>),
        ("PathWatchRequest", new PathWatchRequest("/p", true), JuteTestCodec.DecodePrefix<PathWatchRequest>),
        ("PathRecord", new PathRecord("/p"), JuteTestCodec.DecodePrefix<PathRecord>),
        ("SetDataRequest", new SetDataRequest("/p", [1, 2, 3], 4), JuteTestCodec.DecodePrefix<SetDataRequest>),
        ("StatResponse", new StatResponse(Stat), JuteTestCodec.DecodePrefix<StatResponse>),
        ("GetDataResponse", new GetDataResponse([0, 255], Stat), JuteTestCodec.DecodePrefix<GetDataResponse>),
        ("GetChildrenResponse", new GetChildrenResponse(["a", "b"]), JuteTestCodec.DecodePrefix<GetChildrenResponse>),
        ("GetChildren2Response", new GetChildren2Response(["a", "b"], Stat), JuteTestCodec.DecodePrefix<GetChildren2Response>),
        ("GetAclResponse", new GetAclResponse(Acls, Stat), JuteTestCodec.DecodePrefix<GetAclResponse>),
        ("SetAclRequest", new SetAclRequest("/p", Acls, 2), JuteTestCodec.DecodePrefix<SetAclRequest>),
        ("MultiHeader", new MultiHeader(OpCode.Create, false, (ErrorCode)(-1)), JuteTestCodec.DecodePrefix<MultiHeader>),
        ("MultiRequest", SampleMultiRequest(), JuteTestCodec.DecodePrefix<MultiRequest>),
        ("MultiResponse", SampleMultiResponse(), JuteTestCodec.DecodePrefix<MultiResponse>),
        ("Stat", Stat, JuteTestCodec.DecodePrefix<Stat>),
        ("Acl", Acls[1], JuteTestCodec.DecodePrefix<Acl>),
    ];

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach ((string name, _, _) in All)
            {
                data.Add(name);
            }

            return data;
        }
    }

    public static (IJuteRecord Record, Func<byte[], IJuteRecord> Decode) Get(string name)
    {
        (string _, IJuteRecord record, Func<byte[], IJuteRecord> decode) = All.Single(s => s.Name == name);
        return (record, decode);
    }

    public static MultiRequest SampleMultiRequest() => new(
    [
        (OpCode.Create, new CreateRequest("/m/a", "x"u8.ToArray(), [new(Permissions.All, "world", "anyone")], (int)CreateMode.Persistent)),
        (OpCode.CreateContainer, new CreateRequest("/m/c", null, [new(Permissions.All, "world", "anyone")], (int)CreateMode.Container)),
        (OpCode.Delete, new PathVersionRequest("/m/b", -1)),
        (OpCode.SetData, new SetDataRequest("/m", [], 7)),
        (OpCode.Check, new PathVersionRequest("/m", int.MaxValue)),
    ]);

    public static MultiResponse SampleMultiResponse() => new(
    [
        new CreateResult("/m/a0000000001", null),
        new CreateResult("/m/c", Stat),
        new DeleteResult(),
        new SetDataResult(Stat with { Version = 8 }),
        new CheckResult(),
        new ErrorResult(ErrorCode.Ok),
        new ErrorResult(ErrorCode.NoNode),
        new ErrorResult(ErrorCode.RuntimeInconsistency),
    ]);
}
