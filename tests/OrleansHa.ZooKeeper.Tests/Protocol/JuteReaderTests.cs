using OrleansHa.ZooKeeper.Protocol;
using static OrleansHa.ZooKeeper.Tests.Protocol.JuteTestCodec;

namespace OrleansHa.ZooKeeper.Tests.Protocol;

/// <summary>
/// Malformed input raises <see cref="ZooKeeperProtocolException"/> saying what was being read and where, never an
/// out-of-range read or any other exception type.
/// </summary>
public sealed class JuteReaderTests
{
    private delegate void ReadAction(ref JuteReader reader);

    [Fact]
    public void Truncated_int_names_the_type_and_position()
    {
        var ex = Fails(Hex("000001"), static (ref JuteReader r) => r.ReadInt());

        Assert.Contains("int", ex.Message, StringComparison.Ordinal);
        Assert.Contains("byte 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4 byte(s) needed, 3 left", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_int_after_earlier_fields_reports_its_own_offset()
    {
        var ex = Fails(Hex("00000001 00000002 ffff"), static (ref JuteReader r) =>
        {
            r.ReadInt();
            r.ReadInt();
            r.ReadInt();
        });

        Assert.Contains("byte 8", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 left", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_long_names_the_type()
    {
        var ex = Fails(Hex("00000000000000"), static (ref JuteReader r) => r.ReadLong());

        Assert.Contains("long", ex.Message, StringComparison.Ordinal);
        Assert.Contains("8 byte(s) needed, 7 left", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_boolean_names_the_type()
    {
        var ex = Fails([], static (ref JuteReader r) => r.ReadBool());

        Assert.Contains("boolean", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Buffer_length_larger_than_what_remains_names_both()
    {
        var ex = Fails(Hex("0000000a 0102"), static (ref JuteReader r) => r.ReadBuffer());

        Assert.Contains("buffer", ex.Message, StringComparison.Ordinal);
        Assert.Contains("claims length 10", ex.Message, StringComparison.Ordinal);
        Assert.Contains("only 2 byte(s) remain", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_buffer_length_fails_without_allocating_it()
    {
        var ex = Fails(Hex("7fffffff 00"), static (ref JuteReader r) => r.ReadBuffer());

        Assert.Contains("claims length 2147483647", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fffffffe")]
    [InlineData("80000000")]
    public void Buffer_length_below_minus_one_is_rejected(string lengthHex)
    {
        var ex = Fails(Hex(lengthHex + "00000000"), static (ref JuteReader r) => r.ReadBuffer());

        Assert.Contains("buffer", ex.Message, StringComparison.Ordinal);
        Assert.Contains("claims length -", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void String_length_below_minus_one_is_rejected()
    {
        var ex = Fails(Hex("fffffffd"), static (ref JuteReader r) => r.ReadString());

        Assert.Contains("ustring", ex.Message, StringComparison.Ordinal);
        Assert.Contains("claims length -3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void String_length_larger_than_what_remains_is_rejected()
    {
        var ex = Fails(Hex("00000005 2f61"), static (ref JuteReader r) => r.ReadString());

        Assert.Contains("ustring", ex.Message, StringComparison.Ordinal);
        Assert.Contains("claims length 5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vector_count_larger_than_what_remains_is_rejected()
    {
        var ex = Fails(Hex("00010000 00000001 61"), static (ref JuteReader r) => r.ReadStringVector());

        Assert.Contains("vector<ustring>", ex.Message, StringComparison.Ordinal);
        Assert.Contains("claims length 65536", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_vector_count_below_minus_one_is_rejected()
    {
        var ex = Fails(Hex("fffffff0"), static (ref JuteReader r) => r.ReadVector<Acl>());

        Assert.Contains("vector", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vector_with_fewer_elements_than_its_count_fails()
    {
        var ex = Fails(Hex("00000002 00000001 61"), static (ref JuteReader r) => r.ReadStringVector());

        Assert.Contains("the frame ends inside a int", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00000002 c328")] // invalid continuation byte
    [InlineData("00000001 ff")] // never valid in UTF-8
    [InlineData("00000003 eda080")] // a UTF-16 surrogate encoded CESU-8 style
    [InlineData("00000002 c0af")] // overlong '/'
    [InlineData("00000002 e282")] // truncated three-byte sequence
    public void Invalid_utf8_is_rejected_with_its_position(string hex)
    {
        var ex = Fails(Hex(hex), static (ref JuteReader r) => r.ReadString());

        Assert.Contains("not valid UTF-8", ex.Message, StringComparison.Ordinal);
        Assert.Contains("byte 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_where_a_string_is_required_names_the_field()
    {
        var ex = Assert.Throws<ZooKeeperProtocolException>(() => DecodePrefix<CreateResponse>(Hex("ffffffff")));

        Assert.Contains("'path'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_acl_scheme_names_the_field()
    {
        var ex = Assert.Throws<ZooKeeperProtocolException>(() => DecodePrefix<Acl>(Hex("0000001f ffffffff 00000000")));

        Assert.Contains("acl scheme", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_element_in_a_string_vector_is_rejected()
    {
        var ex = Fails(Hex("00000001 ffffffff"), static (ref JuteReader r) => r.ReadStringVector());

        Assert.Contains("vector element", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureConsumed_with_leftovers_names_the_record_and_count()
    {
        var ex = Fails(Hex("00000001 abcd"), static (ref JuteReader r) =>
        {
            r.ReadInt();
            r.EnsureConsumed("the test record");
        });

        Assert.Contains("the test record", ex.Message, StringComparison.Ordinal);
        Assert.Contains("left 2 unread byte(s)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureConsumed_accepts_an_exactly_consumed_frame()
    {
        var reader = new JuteReader(Hex("00000001"));
        reader.ReadInt();

        reader.EnsureConsumed("the test record");

        Assert.Equal(4, reader.Position);
    }

    [Fact]
    public void Multi_request_with_an_op_a_multi_cannot_carry_is_rejected()
    {
        byte[] bytes = [.. Encode(new MultiHeader(OpCode.GetData, false, (ErrorCode)(-1))), .. Encode(new PathWatchRequest("/a", false)), .. Encode(MultiHeader.End)];

        var ex = Assert.Throws<ZooKeeperProtocolException>(() => DecodePrefix<MultiRequest>(bytes));

        Assert.Contains("op type 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_response_with_an_unknown_result_type_is_rejected()
    {
        byte[] bytes = [.. Encode(new MultiHeader((OpCode)77, false, ErrorCode.Ok)), .. Encode(MultiHeader.End)];

        var ex = Assert.Throws<ZooKeeperProtocolException>(() => DecodePrefix<MultiResponse>(bytes));

        Assert.Contains("result type 77", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_response_without_terminator_fails()
    {
        byte[] bytes = Encode(new MultiHeader(OpCode.Delete, false, ErrorCode.Ok));

        var ex = Assert.Throws<ZooKeeperProtocolException>(() => DecodePrefix<MultiResponse>(bytes));

        Assert.Contains("the frame ends inside", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(JuteRecordSamples.Names), MemberType = typeof(JuteRecordSamples))]
    public void Every_truncation_of_a_record_fails_with_a_protocol_exception(string name)
    {
        (IJuteRecord record, Func<byte[], IJuteRecord> decode) = JuteRecordSamples.Get(name);
        byte[] bytes = Encode(record);

        // The connect records' trailing readOnly byte is optional on the wire: dropping only it is valid.
        int longestInvalidPrefix = record is ConnectRequest or ConnectResponse ? bytes.Length - 2 : bytes.Length - 1;
        for (int length = 0; length <= longestInvalidPrefix; length++)
        {
            byte[] prefix = bytes[..length];
            Exception? ex = Record.Exception(() => decode(prefix));
            Assert.True(ex is ZooKeeperProtocolException, $"{name} cut to {length} of {bytes.Length} bytes gave {ex?.GetType().Name ?? "no exception"}: {ex?.Message}");
        }
    }

    [Theory]
    [MemberData(nameof(JuteRecordSamples.Names), MemberType = typeof(JuteRecordSamples))]
    public void Random_bytes_decode_or_fail_with_a_protocol_exception_only(string name)
    {
        (IJuteRecord record, Func<byte[], IJuteRecord> decode) = JuteRecordSamples.Get(name);
        byte[] valid = Encode(record);
        var random = new Random(name.Length * 7919);
        for (int i = 0; i < 2000; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[random.Next(0, 96)];
                random.NextBytes(bytes);
            }
            else
            {
                // A valid encoding with a few bytes flipped reaches deeper into the decoder.
                bytes = (byte[])valid.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
            }

            Exception? ex = Record.Exception(() => decode(bytes));
            Assert.True(ex is null or ZooKeeperProtocolException, $"{name} from {Convert.ToHexString(bytes)} gave {ex?.GetType().Name}: {ex?.Message}");
        }
    }

    private static ZooKeeperProtocolException Fails(byte[] data, ReadAction read) =>
        Assert.Throws<ZooKeeperProtocolException>(() =>
        {
            var reader = new JuteReader(data);
            read(ref reader);
        });
}
