using OrleansHa.ZooKeeper.Protocol;
using static OrleansHa.ZooKeeper.Tests.Protocol.JuteTestCodec;

namespace OrleansHa.ZooKeeper.Tests.Protocol;

/// <summary>
/// Every wire record survives encode → decode → encode byte for byte, the decoder consumes exactly what the encoder
/// wrote, and the fields come back as they went in.
/// </summary>
public sealed class RecordRoundTripTests
{
    private const string NonAscii = "/ünïcødé/日本語/€/😀";

    private static readonly Stat ExtremeStat = new(long.MinValue, long.MaxValue, -1, 0, int.MinValue, int.MaxValue, -1, long.MinValue, 0, int.MaxValue, long.MaxValue);

    [Theory]
    [MemberData(nameof(JuteRecordSamples.Names), MemberType = typeof(JuteRecordSamples))]
    public void Every_sample_record_round_trips_byte_for_byte(string name)
    {
        (IJuteRecord record, Func<byte[], IJuteRecord> decode) = JuteRecordSamples.Get(name);
        byte[] first = Encode(record);

        IJuteRecord decoded = decode(first);

        Assert.Equal(first, Encode(decoded));
    }

    [Fact]
    public void ConnectRequest_round_trips_with_extreme_values()
    {
        var original = new ConnectRequest(int.MinValue, long.MaxValue, int.MaxValue, long.MinValue, JuteRecordSamples.Password, true);

        ConnectRequest decoded = RoundTrip(original);

        Assert.Equal(int.MinValue, decoded.ProtocolVersion);
        Assert.Equal(long.MaxValue, decoded.LastZxidSeen);
        Assert.Equal(int.MaxValue, decoded.TimeoutMs);
        Assert.Equal(long.MinValue, decoded.SessionId);
        Assert.Equal(JuteRecordSamples.Password, decoded.Password);
        Assert.True(decoded.ReadOnly);
    }

    [Fact]
    public void ConnectRequest_new_session_is_45_bytes_and_round_trips()
    {
        var original = new ConnectRequest(0, 0, 30_000, 0, new byte[ConnectRequest.PasswordLength], false);

        ConnectRequest decoded = RoundTrip(original);

        Assert.Equal(45, Encode(original).Length);
        Assert.Equal(new byte[16], decoded.Password);
        Assert.False(decoded.ReadOnly);
    }

    [Fact]
    public void ConnectRequest_with_empty_password_round_trips()
    {
        ConnectRequest decoded = RoundTrip(new ConnectRequest(0, 0, 1, 0, [], false));

        Assert.Empty(decoded.Password);
    }

    [Fact]
    public void ConnectRequest_without_the_readOnly_byte_decodes_as_not_read_only()
    {
        byte[] withByte = Encode(new ConnectRequest(0, 1, 2, 3, JuteRecordSamples.Password, true));

        ConnectRequest decoded = Decode<ConnectRequest>(withByte[..^1]);

        Assert.False(decoded.ReadOnly);
        Assert.Equal(3, decoded.SessionId);
    }

    [Fact]
    public void ConnectResponse_round_trips()
    {
        var original = new ConnectResponse(0, 4_000, 0x1234, JuteRecordSamples.Password, true);

        ConnectResponse decoded = RoundTrip(original);

        Assert.Equal(37, Encode(original).Length);
        Assert.Equal(0, decoded.ProtocolVersion);
        Assert.Equal(4_000, decoded.TimeoutMs);
        Assert.Equal(0x1234, decoded.SessionId);
        Assert.Equal(JuteRecordSamples.Password, decoded.Password);
        Assert.True(decoded.ReadOnly);
    }

    [Fact]
    public void ConnectResponse_for_an_expired_session_round_trips_with_negative_values()
    {
        ConnectResponse decoded = RoundTrip(new ConnectResponse(-1, int.MinValue, long.MinValue, new byte[16], false));

        Assert.Equal(-1, decoded.ProtocolVersion);
        Assert.Equal(int.MinValue, decoded.TimeoutMs);
        Assert.Equal(long.MinValue, decoded.SessionId);
        Assert.Equal(new byte[16], decoded.Password);
        Assert.False(decoded.ReadOnly);
    }

    [Fact]
    public void ConnectResponse_without_the_readOnly_byte_decodes_as_not_read_only()
    {
        byte[] withByte = Encode(new ConnectResponse(0, 4_000, 9, JuteRecordSamples.Password, true));

        ConnectResponse decoded = Decode<ConnectResponse>(withByte[..^1]);

        Assert.Equal(36, withByte.Length - 1);
        Assert.False(decoded.ReadOnly);
        Assert.Equal(9, decoded.SessionId);
    }

    [Theory]
    [InlineData(int.MinValue, int.MinValue)]
    [InlineData(-2, 11)]
    [InlineData(int.MaxValue, -11)]
    [InlineData(0, int.MaxValue)]
    public void RequestHeader_round_trips(int xid, int type)
    {
        RequestHeader decoded = RoundTrip(new RequestHeader(xid, (OpCode)type));

        Assert.Equal(xid, decoded.Xid);
        Assert.Equal((OpCode)type, decoded.Type);
    }

    [Theory]
    [InlineData(-1, -1L, 0)]
    [InlineData(int.MaxValue, long.MaxValue, -127)]
    [InlineData(int.MinValue, long.MinValue, int.MinValue)]
    public void ReplyHeader_round_trips(int xid, long zxid, int err)
    {
        ReplyHeader decoded = RoundTrip(new ReplyHeader(xid, zxid, (ErrorCode)err));

        Assert.Equal(xid, decoded.Xid);
        Assert.Equal(zxid, decoded.Zxid);
        Assert.Equal((ErrorCode)err, decoded.Err);
    }

    [Fact]
    public void AuthPacket_round_trips_with_non_ascii_credentials()
    {
        byte[] auth = "jörg:pässwörd☃"u8.ToArray();

        AuthPacket decoded = RoundTrip(new AuthPacket(int.MinValue, "dïgest", auth));

        Assert.Equal(int.MinValue, decoded.Type);
        Assert.Equal("dïgest", decoded.Scheme);
        Assert.Equal(auth, decoded.Auth);
    }

    [Fact]
    public void AuthPacket_with_empty_auth_round_trips()
    {
        AuthPacket decoded = RoundTrip(new AuthPacket(0, "ip", []));

        Assert.Empty(decoded.Auth);
    }

    [Fact]
    public void SetWatches_round_trips_lists_element_wise()
    {
        var original = new SetWatches(long.MaxValue, ["/a", NonAscii], [], ["/c/d", "/e"]);

        SetWatches decoded = RoundTrip(original);

        Assert.Equal(long.MaxValue, decoded.RelativeZxid);
        Assert.Equal(original.DataWatches, decoded.DataWatches);
        Assert.Empty(decoded.ExistWatches);
        Assert.Equal(original.ChildWatches, decoded.ChildWatches);
    }

    [Fact]
    public void SetWatches_null_vectors_decode_as_empty_lists()
    {
        var writer = new JuteWriter();
        writer.WriteLong(-1);
        writer.WriteStringVector(null);
        writer.WriteStringVector(["/x"]);
        writer.WriteStringVector(null);

        SetWatches decoded = Decode<SetWatches>(writer.WrittenSpan.ToArray());

        Assert.Equal(-1, decoded.RelativeZxid);
        Assert.Empty(decoded.DataWatches);
        Assert.Equal(["/x"], decoded.ExistWatches);
        Assert.Empty(decoded.ChildWatches);
    }

    [Fact]
    public void WatcherEvent_round_trips_with_non_ascii_path()
    {
        WatcherEvent decoded = RoundTrip(new WatcherEvent(WatchEventType.NodeChildrenChanged, KeeperState.SyncConnected, NonAscii));

        Assert.Equal(WatchEventType.NodeChildrenChanged, decoded.Type);
        Assert.Equal(KeeperState.SyncConnected, decoded.State);
        Assert.Equal(NonAscii, decoded.Path);
    }

    [Fact]
    public void WatcherEvent_with_null_path_decodes_as_empty_path()
    {
        var writer = new JuteWriter();
        writer.WriteInt((int)WatchEventType.None);
        writer.WriteInt((int)KeeperState.Expired);
        writer.WriteString(null);

        WatcherEvent decoded = Decode<WatcherEvent>(writer.WrittenSpan.ToArray());

        Assert.Equal(WatchEventType.None, decoded.Type);
        Assert.Equal(KeeperState.Expired, decoded.State);
        Assert.Equal(string.Empty, decoded.Path);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-101)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void ErrorResponse_round_trips(int err)
    {
        Assert.Equal((ErrorCode)err, RoundTrip(new ErrorResponse((ErrorCode)err)).Err);
    }

    [Fact]
    public void CreateRequest_round_trips_fields()
    {
        var original = new CreateRequest(NonAscii, [0, 1, 254, 255], JuteRecordSamples.Acls, int.MinValue);

        CreateRequest decoded = RoundTrip(original);

        AssertCreateRequestEqual(original, decoded);
    }

    [Fact]
    public void CreateRequest_keeps_null_data_apart_from_empty_data()
    {
        CreateRequest withNull = RoundTrip(new CreateRequest("/n", null, JuteRecordSamples.Acls, 0));
        CreateRequest withEmpty = RoundTrip(new CreateRequest("/n", [], JuteRecordSamples.Acls, 0));

        Assert.Null(withNull.Data);
        Assert.NotNull(withEmpty.Data);
        Assert.Empty(withEmpty.Data);
        Assert.Equal(Hex("ffffffff"), Encode(withNull)[6..10]);
        Assert.Equal(Hex("00000000"), Encode(withEmpty)[6..10]);
    }

    [Fact]
    public void CreateRequest_with_empty_acl_round_trips()
    {
        CreateRequest decoded = RoundTrip(new CreateRequest("/n", [1], [], 1));

        Assert.Empty(decoded.Acl);
    }

    [Fact]
    public void CreateResponse_round_trips()
    {
        Assert.Equal(NonAscii, RoundTrip(new CreateResponse(NonAscii)).Path);
        Assert.Equal(string.Empty, RoundTrip(new CreateResponse(string.Empty)).Path);
    }

    [Fact]
    public void Create2Response_round_trips()
    {
        Create2Response decoded = RoundTrip(new Create2Response("/c-0000000007", ExtremeStat));

        Assert.Equal("/c-0000000007", decoded.Path);
        Assert.Equal(ExtremeStat, decoded.Stat);
    }

    [Theory]
    [InlineData("/p", -1)]
    [InlineData(NonAscii, int.MinValue)]
    [InlineData("/", int.MaxValue)]
    public void PathVersionRequest_round_trips(string path, int version)
    {
        PathVersionRequest decoded = RoundTrip(new PathVersionRequest(path, version));

        Assert.Equal(path, decoded.Path);
        Assert.Equal(version, decoded.Version);
    }

    [Theory]
    [InlineData("/p", true)]
    [InlineData(NonAscii, false)]
    public void PathWatchRequest_round_trips(string path, bool watch)
    {
        PathWatchRequest decoded = RoundTrip(new PathWatchRequest(path, watch));

        Assert.Equal(path, decoded.Path);
        Assert.Equal(watch, decoded.Watch);
    }

    [Fact]
    public void PathWatchRequest_reads_any_non_zero_byte_as_true()
    {
        PathWatchRequest decoded = Decode<PathWatchRequest>(Hex("00000002 2f61 7f"));

        Assert.True(decoded.Watch);
    }

    [Fact]
    public void PathRecord_round_trips()
    {
        Assert.Equal(NonAscii, RoundTrip(new PathRecord(NonAscii)).Path);
    }

    [Fact]
    public void SetDataRequest_round_trips_and_keeps_null_apart_from_empty()
    {
        byte[] data = [.. Enumerable.Range(0, 300).Select(i => (byte)i)];

        SetDataRequest full = RoundTrip(new SetDataRequest(NonAscii, data, int.MinValue));
        SetDataRequest withNull = RoundTrip(new SetDataRequest("/p", null, -1));
        SetDataRequest withEmpty = RoundTrip(new SetDataRequest("/p", [], 0));

        Assert.Equal(NonAscii, full.Path);
        Assert.Equal(data, full.Data);
        Assert.Equal(int.MinValue, full.Version);
        Assert.Null(withNull.Data);
        Assert.Equal(-1, withNull.Version);
        Assert.NotNull(withEmpty.Data);
        Assert.Empty(withEmpty.Data);
    }

    [Fact]
    public void StatResponse_round_trips()
    {
        Assert.Equal(ExtremeStat, RoundTrip(new StatResponse(ExtremeStat)).Stat);
    }

    [Fact]
    public void GetDataResponse_round_trips_and_keeps_null_apart_from_empty()
    {
        byte[] data = [0xff, 0x00, 0x80];

        GetDataResponse full = RoundTrip(new GetDataResponse(data, ExtremeStat));
        GetDataResponse withNull = RoundTrip(new GetDataResponse(null, JuteRecordSamples.Stat));
        GetDataResponse withEmpty = RoundTrip(new GetDataResponse([], JuteRecordSamples.Stat));

        Assert.Equal(data, full.Data);
        Assert.Equal(ExtremeStat, full.Stat);
        Assert.Null(withNull.Data);
        Assert.Equal(JuteRecordSamples.Stat, withNull.Stat);
        Assert.NotNull(withEmpty.Data);
        Assert.Empty(withEmpty.Data);
        Assert.Equal(4 + Stat.EncodedSize, Encode(withNull).Length);
    }

    [Fact]
    public void GetChildrenResponse_round_trips_element_wise()
    {
        List<string> children = ["a", "ü", "日本", "c-0000000001", string.Empty];

        GetChildrenResponse decoded = RoundTrip(new GetChildrenResponse(children));

        Assert.Equal(children, decoded.Children);
        Assert.Empty(RoundTrip(new GetChildrenResponse([])).Children);
    }

    [Fact]
    public void GetChildrenResponse_null_vector_decodes_as_empty_list()
    {
        GetChildrenResponse decoded = Decode<GetChildrenResponse>(Hex("ffffffff"));

        Assert.Empty(decoded.Children);
    }

    [Fact]
    public void GetChildren2Response_round_trips_element_wise()
    {
        List<string> children = ["x", NonAscii[1..]];

        GetChildren2Response decoded = RoundTrip(new GetChildren2Response(children, ExtremeStat));

        Assert.Equal(children, decoded.Children);
        Assert.Equal(ExtremeStat, decoded.Stat);
    }

    [Fact]
    public void GetChildren2Response_null_vector_decodes_as_empty_list()
    {
        byte[] bytes = [.. Hex("ffffffff"), .. Encode(JuteRecordSamples.Stat)];

        GetChildren2Response decoded = Decode<GetChildren2Response>(bytes);

        Assert.Empty(decoded.Children);
        Assert.Equal(JuteRecordSamples.Stat, decoded.Stat);
    }

    [Fact]
    public void GetAclResponse_round_trips_element_wise()
    {
        GetAclResponse decoded = RoundTrip(new GetAclResponse(JuteRecordSamples.Acls, ExtremeStat));

        Assert.Equal(JuteRecordSamples.Acls, decoded.Acl);
        Assert.Equal(ExtremeStat, decoded.Stat);
        Assert.Empty(RoundTrip(new GetAclResponse([], ExtremeStat)).Acl);
    }

    [Fact]
    public void SetAclRequest_round_trips_element_wise()
    {
        SetAclRequest decoded = RoundTrip(new SetAclRequest(NonAscii, JuteRecordSamples.Acls, int.MinValue));

        Assert.Equal(NonAscii, decoded.Path);
        Assert.Equal(JuteRecordSamples.Acls, decoded.Acl);
        Assert.Equal(int.MinValue, decoded.Version);
    }

    [Theory]
    [InlineData(1, false, -1)]
    [InlineData(-1, true, -1)]
    [InlineData(-1, false, -101)]
    [InlineData(int.MaxValue, true, int.MinValue)]
    public void MultiHeader_round_trips(int type, bool done, int err)
    {
        MultiHeader decoded = RoundTrip(new MultiHeader((OpCode)type, done, (ErrorCode)err));

        Assert.Equal((OpCode)type, decoded.Type);
        Assert.Equal(done, decoded.Done);
        Assert.Equal((ErrorCode)err, decoded.Err);
    }

    [Fact]
    public void MultiRequest_round_trips_create_delete_setData_and_check_ops()
    {
        MultiRequest original = JuteRecordSamples.SampleMultiRequest();

        MultiRequest decoded = RoundTrip(original);

        Assert.Equal(original.Ops.Count, decoded.Ops.Count);
        for (int i = 0; i < original.Ops.Count; i++)
        {
            Assert.Equal(original.Ops[i].Code, decoded.Ops[i].Code);
            switch (original.Ops[i].Record)
            {
                case CreateRequest create:
                    AssertCreateRequestEqual(create, Assert.IsType<CreateRequest>(decoded.Ops[i].Record));
                    break;
                case PathVersionRequest pathVersion:
                    Assert.Equal(pathVersion, Assert.IsType<PathVersionRequest>(decoded.Ops[i].Record));
                    break;
                case SetDataRequest setData:
                    var decodedSetData = Assert.IsType<SetDataRequest>(decoded.Ops[i].Record);
                    Assert.Equal(setData.Path, decodedSetData.Path);
                    Assert.Equal(setData.Data, decodedSetData.Data);
                    Assert.Equal(setData.Version, decodedSetData.Version);
                    break;
                default:
                    Assert.Fail($"unexpected op record {original.Ops[i].Record.GetType().Name}");
                    break;
            }
        }
    }

    [Fact]
    public void Empty_MultiRequest_is_just_the_terminator()
    {
        MultiRequest decoded = RoundTrip(new MultiRequest([]));

        Assert.Empty(decoded.Ops);
        Assert.Equal(Hex("ffffffff 01 ffffffff"), Encode(decoded));
    }

    [Fact]
    public void MultiResponse_round_trips_every_result_kind()
    {
        MultiResponse original = JuteRecordSamples.SampleMultiResponse();

        MultiResponse decoded = RoundTrip(original);

        Assert.Equal(original.Results, decoded.Results);
        Assert.Contains(decoded.Results, r => r is CreateResult { Stat: null });
        Assert.Contains(decoded.Results, r => r is CreateResult { Stat: not null });
        Assert.Contains(decoded.Results, r => r is DeleteResult);
        Assert.Contains(decoded.Results, r => r is SetDataResult);
        Assert.Contains(decoded.Results, r => r is CheckResult);
        Assert.Contains(decoded.Results, r => r is ErrorResult { Code: ErrorCode.NoNode });
    }

    [Fact]
    public void MultiResponse_of_a_failed_transaction_round_trips()
    {
        var original = new MultiResponse([new ErrorResult(ErrorCode.Ok), new ErrorResult(ErrorCode.NoNode), new ErrorResult(ErrorCode.RuntimeInconsistency)]);

        MultiResponse decoded = RoundTrip(original);

        Assert.Equal(original.Results, decoded.Results);
    }

    [Fact]
    public void MultiResponse_reads_a_container_result_as_create_with_stat()
    {
        var writer = new JuteWriter();
        writer.WriteRecord(new MultiHeader(OpCode.CreateContainer, false, ErrorCode.Ok));
        writer.WriteRecord(new Create2Response("/box", JuteRecordSamples.Stat));
        writer.WriteRecord(MultiHeader.End);

        MultiResponse decoded = Decode<MultiResponse>(writer.WrittenSpan.ToArray());

        Assert.Equal([new CreateResult("/box", JuteRecordSamples.Stat)], decoded.Results);
    }

    [Fact]
    public void Stat_round_trips_with_extreme_values()
    {
        Stat decoded = RoundTrip(ExtremeStat);

        Assert.Equal(ExtremeStat, decoded);
        Assert.Equal(Stat.EncodedSize, Encode(decoded).Length);
    }

    [Theory]
    [InlineData(31, "world", "anyone")]
    [InlineData(-1, "digest", "jörg:abc=")]
    [InlineData(0, "auth", "")]
    [InlineData(int.MaxValue, "ip", "10.0.0.0/8")]
    public void Acl_round_trips(int permissions, string scheme, string id)
    {
        var original = new Acl((Permissions)permissions, scheme, id);

        Assert.Equal(original, RoundTrip(original));
    }

    private static void AssertCreateRequestEqual(CreateRequest expected, CreateRequest actual)
    {
        Assert.Equal(expected.Path, actual.Path);
        Assert.Equal(expected.Data, actual.Data);
        Assert.Equal(expected.Acl, actual.Acl);
        Assert.Equal(expected.Flags, actual.Flags);
    }
}
