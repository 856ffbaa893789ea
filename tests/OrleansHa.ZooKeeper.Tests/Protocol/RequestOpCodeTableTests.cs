using System.Buffers.Binary;
using System.Text.RegularExpressions;
using OrleansHa.ZooKeeper.Internal;
using OrleansHa.ZooKeeper.Protocol;
using static OrleansHa.ZooKeeper.Tests.Protocol.JuteTestCodec;

namespace OrleansHa.ZooKeeper.Tests.Protocol;

/// <summary>
/// Every opcode the client sends has a request record (or, for ping and closeSession, deliberately none), and a
/// frame built for it by <see cref="RequestEncoder"/> decodes back to the same bytes.
/// </summary>
public sealed partial class RequestOpCodeTableTests
{
    private const int Xid = 0x01020304;

    /// <summary>Opcode → a sample request body and its decoder; null sample: the request has no body.</summary>
    private static readonly Dictionary<OpCode, (IJuteRecord? Sample, Func<byte[], IJuteRecord>? Decode)> Requests = new()
    {
        [OpCode.Create] = (new CreateRequest("/a", "hi"u8.ToArray(), [new(Permissions.All, "world", "anyone")], (int)CreateMode.Ephemeral), Decode<CreateRequest>),
        [OpCode.Create2] = (new CreateRequest("/a", null, [new(Permissions.All, "world", "anyone")], (int)CreateMode.PersistentSequential), Decode<CreateRequest>),
        [OpCode.CreateContainer] = (new CreateRequest("/box", [], [new(Permissions.All, "world", "anyone")], (int)CreateMode.Container), Decode<CreateRequest>),
        [OpCode.Delete] = (new PathVersionRequest("/a", -1), Decode<PathVersionRequest>),
        [OpCode.Exists] = (new PathWatchRequest("/a", true), Decode<PathWatchRequest>),
        [OpCode.GetData] = (new PathWatchRequest("/a", false), Decode<PathWatchRequest>),
        [OpCode.SetData] = (new SetDataRequest("/a", [1, 2], 5), Decode<SetDataRequest>),
        [OpCode.GetAcl] = (new PathRecord("/a"), Decode<PathRecord>),
        [OpCode.SetAcl] = (new SetAclRequest("/a", [new(Permissions.Read, "world", "anyone")], 0), Decode<SetAclRequest>),
        [OpCode.GetChildren2] = (new PathWatchRequest("/", true), Decode<PathWatchRequest>),
        [OpCode.Sync] = (new PathRecord("/a"), Decode<PathRecord>),
        [OpCode.Check] = (new PathVersionRequest("/a", 3), Decode<PathVersionRequest>),
        [OpCode.Multi] = (JuteRecordSamples.SampleMultiRequest(), Decode<MultiRequest>),
        [OpCode.Auth] = (new AuthPacket(0, "digest", "alice:secret"u8.ToArray()), Decode<AuthPacket>),
        [OpCode.SetWatches] = (new SetWatches(1, ["/d"], ["/e"], ["/c"]), Decode<SetWatches>),
        [OpCode.Ping] = (null, null),
        [OpCode.CloseSession] = (null, null),
    };

    public static TheoryData<int> OpCodes
    {
        get
        {
            var data = new TheoryData<int>();
            foreach (OpCode code in Requests.Keys)
            {
                data.Add((int)code);
            }

            return data;
        }
    }

    [Fact]
    public void Every_opcode_the_client_sends_has_an_entry_in_the_table()
    {
        string source = FindRepositoryRoot();
        string library = Path.Combine(source, "src", "OrleansHa.ZooKeeper");
        var used = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(library, file);
            string top = relative.Split(Path.DirectorySeparatorChar)[0];

            // The record definitions name result types (Error, Create2 in a multi response), not requests.
            if (top is "Protocol" or "bin" or "obj")
            {
                continue;
            }

            foreach (Match match in OpCodeReference().Matches(File.ReadAllText(file)))
            {
                used.Add(match.Groups[1].Value);
            }
        }

        Assert.NotEmpty(used);
        var missing = used.Where(name => !Enum.TryParse(name, out OpCode code) || !Requests.ContainsKey(code)).ToList();
        Assert.True(missing.Count == 0, $"opcodes used by the client without a request record in this table: {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(OpCodes))]
    public void Every_request_opcode_frame_round_trips_through_the_encoder(int opcode)
    {
        var code = (OpCode)opcode;
        (IJuteRecord? sample, Func<byte[], IJuteRecord>? decode) = Requests[code];

        byte[] frame = RequestEncoder.Encode(code, sample, ZooKeeperClientOptions.DefaultMaxFrameSize, null, Xid);

        Assert.Equal(frame.Length - 4, BinaryPrimitives.ReadInt32BigEndian(frame));
        RequestHeader header = DecodePrefix<RequestHeader>(frame[4..(4 + RequestHeader.EncodedSize)]);
        Assert.Equal(new RequestHeader(Xid, code), header);
        byte[] body = frame[(4 + RequestHeader.EncodedSize)..];
        if (sample is null)
        {
            Assert.Empty(body);
            return;
        }

        Assert.NotNull(decode);
        IJuteRecord decoded = decode(body);
        Assert.Equal(body, Encode(decoded));
        Assert.Equal(Encode(sample), body);
    }

    [Theory]
    [InlineData((int)OpCode.Create)]
    [InlineData((int)OpCode.CreateContainer)]
    [InlineData((int)OpCode.Delete)]
    [InlineData((int)OpCode.SetData)]
    [InlineData((int)OpCode.Check)]
    public void Every_op_a_multi_carries_decodes_inside_a_multi(int opcode)
    {
        var code = (OpCode)opcode;
        IJuteRecord sample = Requests[code].Sample!;

        MultiRequest decoded = RoundTrip(new MultiRequest([(code, sample)]));

        (OpCode decodedCode, IJuteRecord record) = Assert.Single(decoded.Ops);
        Assert.Equal(code, decodedCode);
        Assert.Equal(Encode(sample), Encode(record));
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansHa.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"OrleansHa.sln not found above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"\bOpCode\.([A-Za-z0-9]+)\b")]
    private static partial Regex OpCodeReference();
}
