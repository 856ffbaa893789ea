using System.Buffers.Binary;
using System.Text;

namespace OrleansHa.ZooKeeper.Protocol;

/// <summary>
/// Reads jute's big-endian binary encoding from one frame. Every read is bounds-checked: a frame that
/// ends early or carries an impossible length raises <see cref="ZooKeeperProtocolException"/>, never an
/// out-of-range read.
/// </summary>
internal ref struct JuteReader
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public JuteReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public int ReadInt() => BinaryPrimitives.ReadInt32BigEndian(Take(4, "int"));

    public long ReadLong() => BinaryPrimitives.ReadInt64BigEndian(Take(8, "long"));

    public bool ReadBool() => Take(1, "boolean")[0] != 0;

    /// <summary>A jute buffer; length -1 is null.</summary>
    public byte[]? ReadBuffer()
    {
        int length = ReadLength("buffer");
        return length < 0 ? null : Take(length, "buffer").ToArray();
    }

    public string? ReadString()
    {
        int length = ReadLength("ustring");
        if (length < 0)
        {
            return null;
        }

        ReadOnlySpan<byte> bytes = Take(length, "ustring");
        try
        {
            return Utf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ZooKeeperProtocolException($"a ustring at byte {_position - length} is not valid UTF-8", ex);
        }
    }

    public string ReadRequiredString(string field) =>
        ReadString() ?? throw new ZooKeeperProtocolException($"field '{field}' is null where the protocol requires a string");

    public List<string>? ReadStringVector()
    {
        int count = ReadLength("vector<ustring>");
        if (count < 0)
        {
            return null;
        }

        var list = new List<string>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            list.Add(ReadRequiredString("vector element"));
        }

        return list;
    }

    public List<T>? ReadVector<T>()
        where T : IJuteReadable<T>
    {
        int count = ReadLength("vector");
        if (count < 0)
        {
            return null;
        }

        var list = new List<T>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            list.Add(T.Read(ref this));
        }

        return list;
    }

    public T ReadRecord<T>()
        where T : IJuteReadable<T> => T.Read(ref this);

    /// <summary>Fails when bytes are left over: a record that does not fill its frame is malformed.</summary>
    public readonly void EnsureConsumed(string record)
    {
        if (Remaining != 0)
        {
            throw new ZooKeeperProtocolException($"{record} left {Remaining} unread byte(s) in its frame");
        }
    }

    private int ReadLength(string type)
    {
        int length = ReadInt();
        if (length < -1 || length > Remaining)
        {
            // A count of elements is never more than the bytes left either: every element takes at least one byte.
            throw new ZooKeeperProtocolException(
                $"a {type} at byte {_position - 4} claims length {length} but only {Remaining} byte(s) remain in the frame");
        }

        return length;
    }

    private ReadOnlySpan<byte> Take(int count, string type)
    {
        if (count > Remaining)
        {
            throw new ZooKeeperProtocolException(
                $"the frame ends inside a {type} at byte {_position}: {count} byte(s) needed, {Remaining} left");
        }

        ReadOnlySpan<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
