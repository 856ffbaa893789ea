using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper.Internal;

/// <summary>Encodes whole frames: length, request header (xid left zero for the writer), body.</summary>
internal static class RequestEncoder
{
    public const int XidOffset = 4;

    public static byte[] Encode(OpCode op, IJuteRecord? body, int maxFrameSize, string? clientPath, int xid = 0)
    {
        var writer = new JuteWriter(64);
        writer.WriteInt(0);
        writer.WriteRecord(new RequestHeader(xid, op));
        body?.Write(writer);
        int payload = writer.Length - 4;
        if (payload > maxFrameSize)
        {
            string what = clientPath is null ? $"the {op} request" : $"the {op} request for '{clientPath}'";
            throw new RequestTooLargeException(
                $"{what} is {payload} bytes, over the largest frame of {maxFrameSize} bytes ({nameof(ZooKeeperClientOptions.MaxFrameSize)}, " +
                "which should match the server's jute.maxbuffer); nothing was sent.");
        }

        writer.PatchInt(0, payload);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The connect request has no request header.</summary>
    public static byte[] EncodeConnect(ConnectRequest request)
    {
        var writer = new JuteWriter(64);
        writer.WriteInt(0);
        request.Write(writer);
        writer.PatchInt(0, writer.Length - 4);
        return writer.WrittenSpan.ToArray();
    }
}
