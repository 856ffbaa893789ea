using OrleansHa.ZooKeeper.Internal;
using OrleansHa.ZooKeeper.Protocol;
using static OrleansHa.ZooKeeper.Tests.Protocol.JuteTestCodec;

namespace OrleansHa.ZooKeeper.Tests.Protocol;

/// <summary>The byte-exact examples of the protocol reference (§9), each accepted by a 3.8.0 server, and fixed record sizes.</summary>
public sealed class ByteExactTests
{
    private const int MaxFrame = ZooKeeperClientOptions.DefaultMaxFrameSize;

    [Fact]
    public void ConnectRequest_for_a_new_session_is_the_reference_45_byte_frame()
    {
        byte[] expected = Hex(
            "0000002d 00000000 0000000000000000 00007530 0000000000000000" +
            "00000010 00000000000000000000000000000000 00");

        byte[] frame = RequestEncoder.EncodeConnect(new ConnectRequest(0, 0, 30_000, 0, new byte[ConnectRequest.PasswordLength], false));

        Assert.Equal(expected, frame);
        Assert.Equal(4 + 45, frame.Length);
    }

    [Fact]
    public void Ping_is_the_reference_frame()
    {
        byte[] frame = RequestEncoder.Encode(OpCode.Ping, null, MaxFrame, null, Xids.Ping);

        Assert.Equal(Hex("00000008 fffffffe 0000000b"), frame);
    }

    [Fact]
    public void GetData_with_watch_xid_1_is_the_reference_frame()
    {
        byte[] frame = RequestEncoder.Encode(OpCode.GetData, new PathWatchRequest("/a", true), MaxFrame, "/a", xid: 1);

        Assert.Equal(Hex("0000000f 00000001 00000004 00000002 2f61 01"), frame);
    }

    [Fact]
    public void Create_ephemeral_with_open_acl_xid_2_is_the_reference_frame()
    {
        byte[] expected = Hex(
            "00000033 00000002 00000001 00000002 2f61 00000002 6869" +
            "00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65" +
            "00000001");
        var request = new CreateRequest("/a", "hi"u8.ToArray(), [.. Acl.OpenUnsafe], (int)CreateMode.Ephemeral);

        byte[] frame = RequestEncoder.Encode(OpCode.Create, request, MaxFrame, "/a", xid: 2);

        Assert.Equal(expected, frame);
    }

    [Fact]
    public void Create_through_the_public_op_encodes_the_reference_body()
    {
        IJuteRecord record = Op.Create("/a", "hi"u8.ToArray(), CreateMode.Ephemeral).ToRecord(path => path);

        byte[] frame = RequestEncoder.Encode(OpCode.Create, record, MaxFrame, "/a", xid: 2);

        Assert.Equal(0x33, frame.Length - 4);
        Assert.Equal(Hex("00000002 2f61 00000002 6869"), frame[12..24]);
    }

    [Fact]
    public void CloseSession_xid_3_is_the_reference_frame()
    {
        byte[] frame = RequestEncoder.Encode(OpCode.CloseSession, null, MaxFrame, null, xid: 3);

        Assert.Equal(Hex("00000008 00000003 fffffff5"), frame);
    }

    [Fact]
    public void Encoder_leaves_xid_zero_when_none_is_given()
    {
        byte[] frame = RequestEncoder.Encode(OpCode.Sync, new PathRecord("/a"), MaxFrame, "/a");

        Assert.Equal(Hex("00000000"), frame[RequestEncoder.XidOffset..(RequestEncoder.XidOffset + 4)]);
    }

    [Fact]
    public void Multi_with_one_check_is_header_body_then_terminator()
    {
        byte[] body = Encode(new MultiRequest([(OpCode.Check, new PathVersionRequest("/a", 3))]));

        Assert.Equal(Hex("0000000d 00 ffffffff  00000002 2f61 00000003  ffffffff 01 ffffffff"), body);
    }

    [Fact]
    public void Request_over_the_frame_limit_is_refused_naming_sizes()
    {
        var request = new SetDataRequest("/big", new byte[2048], -1);

        var ex = Assert.Throws<RequestTooLargeException>(() => RequestEncoder.Encode(OpCode.SetData, request, 1024, "/big"));

        Assert.Contains("/big", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1024", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxFrameSize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stat_is_68_bytes()
    {
        Assert.Equal(68, Stat.EncodedSize);
        Assert.Equal(68, Encode(JuteRecordSamples.Stat).Length);
    }

    [Fact]
    public void RequestHeader_is_8_bytes()
    {
        Assert.Equal(8, RequestHeader.EncodedSize);
        Assert.Equal(8, Encode(new RequestHeader(1, OpCode.GetData)).Length);
    }

    [Fact]
    public void ReplyHeader_is_16_bytes()
    {
        Assert.Equal(16, ReplyHeader.EncodedSize);
        Assert.Equal(16, Encode(new ReplyHeader(1, 2, ErrorCode.Ok)).Length);
    }

    [Fact]
    public void MultiHeader_is_9_bytes()
    {
        Assert.Equal(9, Encode(MultiHeader.End).Length);
        Assert.Equal(Hex("ffffffff 01 ffffffff"), Encode(MultiHeader.End));
    }

    [Fact]
    public void Connect_response_of_a_new_session_is_37_bytes()
    {
        Assert.Equal(37, Encode(new ConnectResponse(0, 4_000, 0x1234, new byte[16], false)).Length);
    }

    [Fact]
    public void Digest_acl_for_alice_secret_matches_the_server()
    {
        Acl acl = Acl.Digest("alice", "secret", Permissions.All);

        Assert.Equal("digest", acl.Scheme);
        Assert.Equal("alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=", acl.Id);
        Assert.Equal(Permissions.All, acl.Permissions);
        Assert.Equal(31, (int)Permissions.All);
    }
}
