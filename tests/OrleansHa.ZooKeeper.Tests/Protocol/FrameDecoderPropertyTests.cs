using OrleansHa.Testing;
using OrleansHa.ZooKeeper.Protocol;
using Xunit.Abstractions;

namespace OrleansHa.ZooKeeper.Tests.Protocol;

/// <summary>
/// Generated bad frames (FsCheck): every wire record decoded from random and mutated bytes, and whole replies from a
/// server that sends them to a real client. Never a hang, never a crash: a record, or the protocol's typed error.
/// </summary>
public sealed class FrameDecoderPropertyTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_record_decodes_bad_bytes_to_a_record_or_a_protocol_error()
    {
        foreach ((string name, IJuteRecord sample, Func<byte[], IJuteRecord> decode) in JuteRecordSamples.All)
        {
            output.WriteLine(Fuzz.Check(name, Fuzz.Bytes([JuteTestCodec.Encode(sample)]), 1000, bytes =>
            {
                try
                {
                    decode(bytes);
                    return "decoded";
                }
                catch (ZooKeeperProtocolException)
                {
                    return "refused";
                }
            }));
        }
    }

    [Fact]
    public void A_client_given_bad_replies_completes_each_request_or_fails_it_with_a_typed_error()
    {
        byte[] reply = Reply(new GetDataResponse([1, 2, 3], JuteRecordSamples.Stat));
        output.WriteLine(Fuzz.Check("getData replies", Fuzz.Bytes([reply]), 400, body =>
        {
            // A fresh server and client per reply: a bad frame ends the connection it came on.
            using var done = new CancellationTokenSource(Fuzz.HangAfter);
            return AnswerOnceAsync(body, done.Token).GetAwaiter().GetResult();
        }));
    }

    /// <summary>Starts a server that answers the client's first request with <paramref name="body"/> as the reply frame.</summary>
    private static async Task<string> AnswerOnceAsync(byte[] body, CancellationToken cancellationToken)
    {
        await using var server = FakeZooKeeperServer.Start(async connection =>
        {
            await connection.AcceptSessionAsync(timeoutMs: 1000);
            if (connection.Index > 0 || await connection.ReadRequestAsync() is not { } request)
            {
                await connection.ServeAsync();
                return;
            }

            // The request's own xid, so that the mutations test what follows the header.
            byte[] frame = [.. body];
            if (frame.Length >= 4)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame, request.Header.Xid);
            }

            await connection.WriteFrameAsync(frame);
            await connection.ServeAsync();
        });
        await using ZooKeeperClient client = await ZooKeeperClient.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = server.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(1), ConnectTimeout = TimeSpan.FromSeconds(5) },
            cancellationToken);
        try
        {
            await client.GetDataAsync("/x", cancellationToken: cancellationToken);
            return "answered";
        }
        catch (ZooKeeperException ex)
        {
            return "failed with " + ex.GetType().Name;
        }
    }

    private static byte[] Reply(GetDataResponse body)
    {
        var writer = new JuteWriter();
        writer.WriteRecord(new ReplyHeader(1, 5, ErrorCode.Ok));
        body.Write(writer);
        return writer.WrittenSpan.ToArray();
    }
}
