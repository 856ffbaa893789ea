using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper.Tests.Protocol;

/// <summary>Encodes and decodes jute records for the protocol tests.</summary>
internal static class JuteTestCodec
{
    public static byte[] Encode(IJuteRecord record)
    {
        var writer = new JuteWriter();
        record.Write(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes <paramref name="bytes"/> and asserts that the decoder consumed every byte.</summary>
    public static T Decode<T>(byte[] bytes)
        where T : IJuteReadable<T>
    {
        var reader = new JuteReader(bytes);
        T value = T.Read(ref reader);
        Assert.Equal(0, reader.Remaining);
        return value;
    }

    /// <summary>Decodes without checking what is left over: for malformed-input tests.</summary>
    public static T DecodePrefix<T>(byte[] bytes)
        where T : IJuteReadable<T>
    {
        var reader = new JuteReader(bytes);
        return T.Read(ref reader);
    }

    /// <summary>
    /// Encode, decode, encode: the second encoding must equal the first and the decoder must consume every byte.
    /// Returns the decoded record so the caller can compare fields.
    /// </summary>
    public static T RoundTrip<T>(T record)
        where T : IJuteRecord, IJuteReadable<T>
    {
        byte[] first = Encode(record);
        T decoded = Decode<T>(first);
        byte[] second = Encode(decoded);
        Assert.Equal(first, second);
        return decoded;
    }

    public static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
}
