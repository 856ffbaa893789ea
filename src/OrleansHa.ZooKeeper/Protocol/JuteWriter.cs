using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OrleansHa.ZooKeeper.Protocol;

/// <summary>Writes jute's big-endian binary encoding (BinaryOutputArchive) into a growable buffer.</summary>
internal sealed class JuteWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ArrayBufferWriter<byte> _buffer;

    public JuteWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public void WriteInt(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteLong(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteBool(bool value)
    {
        _buffer.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        _buffer.Advance(1);
    }

    /// <summary>A jute buffer: length then bytes; null is length -1.</summary>
    public void WriteBuffer(ReadOnlySpan<byte> value, bool isNull = false)
    {
        if (isNull)
        {
            WriteInt(-1);
            return;
        }

        WriteInt(value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
    }

    public void WriteBuffer(byte[]? value) => WriteBuffer(value, value is null);

    /// <summary>A jute ustring: UTF-8 byte length then bytes; null is length -1.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt(-1);
            return;
        }

        int byteCount = Utf8.GetByteCount(value);
        WriteInt(byteCount);
        Utf8.GetBytes(value, _buffer.GetSpan(byteCount));
        _buffer.Advance(byteCount);
    }

    public void WriteStringVector(IReadOnlyCollection<string>? values)
    {
        if (values is null)
        {
            WriteInt(-1);
            return;
        }

        WriteInt(values.Count);
        foreach (string value in values)
        {
            WriteString(value);
        }
    }

    public void WriteVector<T>(IReadOnlyCollection<T>? values)
        where T : IJuteRecord
    {
        if (values is null)
        {
            WriteInt(-1);
            return;
        }

        WriteInt(values.Count);
        foreach (T value in values)
        {
            value.Write(this);
        }
    }

    public void WriteRecord<T>(T record)
        where T : IJuteRecord => record.Write(this);

    /// <summary>Overwrites a 4-byte big-endian integer already written at <paramref name="offset"/>.</summary>
    public void PatchInt(int offset, int value)
    {
        // ArrayBufferWriter exposes its written span read-only; the backing memory is ours to patch.
        Span<byte> written = System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span;
        BinaryPrimitives.WriteInt32BigEndian(written.Slice(offset, 4), value);
    }
}
