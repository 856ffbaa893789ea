using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.C;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using DuckDB.NET.Native;

namespace OrleansHa.Engine;

/// <summary>
/// A prepared query run with DuckDB's streaming result, read chunk by chunk (DuckDB's vector size, 2048 rows) and each
/// chunk turned into an Arrow record batch by DuckDB itself (<c>duckdb_data_chunk_to_arrow</c>): no value passes through
/// .NET one at a time. The batches own their memory (DuckDB's Arrow buffers, freed when the batch is disposed), so they
/// outlive the chunk, the result and the connection.
/// </summary>
/// <remarks>
/// DuckDB exports UUID as text; a UUID column is rebuilt from the chunk's vector (16 bytes a value) as Arrow's canonical
/// <c>arrow.uuid</c> extension (<see cref="GuidArray"/>), which is what the type is.
/// </remarks>
internal sealed unsafe class ArrowResult : IDisposable
{
    private const ulong UuidSignFlip = 0x8000_0000_0000_0000;

    private readonly DuckDBArrowOptions _options;
    private readonly bool[] _uuidColumns;
    private readonly DuckDBLogicalType[] _types;
    private readonly Schema _exported; // as DuckDB exports it, UUIDs as text
    private DuckDBResult _result;
    private bool _disposed;
    private bool _exhausted;

    private ArrowResult(DuckDBResult result)
    {
        _result = result;
        _options = NativeMethods.Arrow.DuckDBResultGetArrowOptions(ref _result);
        var columns = (int)NativeMethods.Query.DuckDBColumnCount(ref _result);
        var types = _types = new DuckDBLogicalType[columns];
        var names = new IntPtr[columns];
        var handles = new IntPtr[columns];
        _uuidColumns = new bool[columns];
        try
        {
            for (var column = 0; column < columns; column++)
            {
                types[column] = NativeMethods.Query.DuckDBColumnLogicalType(ref _result, column);
                handles[column] = types[column].DangerousGetHandle();
                names[column] = Marshal.StringToCoTaskMemUTF8(NativeMethods.Query.DuckDBColumnName(ref _result, column));
                _uuidColumns[column] = NativeMethods.LogicalType.DuckDBGetTypeId(types[column]) == DuckDBType.Uuid;
            }

            var schema = CArrowSchema.Create();
            try
            {
                fixed (IntPtr* typePointers = handles)
                fixed (IntPtr* namePointers = names)
                {
                    using var error = NativeMethods.Arrow.DuckDBToArrowSchema(_options, (IntPtr)typePointers, (IntPtr)namePointers, (ulong)columns, (IntPtr)schema);
                    ThrowIfError(error);
                }

                _exported = CArrowSchemaImporter.ImportSchema(schema);
                Schema = WithUuids(_exported);
            }
            finally
            {
                CArrowSchema.Free(schema);
            }
        }
        finally
        {
            foreach (var name in names)
            {
                Marshal.FreeCoTaskMem(name);
            }
        }
    }

    public Schema Schema { get; }

    /// <summary>Runs <paramref name="prepared"/> with a streaming result; DuckDB's error, if it fails to start, as an <see cref="EngineException"/>.</summary>
    public static ArrowResult Execute(DuckDBPreparedStatement prepared, string memoryLimit)
    {
        var state = NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(prepared, out var result);
        if (state != DuckDBState.Success)
        {
            var failure = ErrorOf(ref result, memoryLimit);
            NativeMethods.Query.DuckDBDestroyResult(ref result);
            throw failure;
        }

        try
        {
            return new ArrowResult(result);
        }
        catch
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
            throw;
        }
    }

    /// <summary>The next chunk as a record batch (the caller disposes it), or null after the last one.</summary>
    public RecordBatch? ReadNext(string memoryLimit)
    {
        if (_exhausted)
        {
            return null;
        }

        using var chunk = NativeMethods.Query.DuckDBFetchChunk(_result);
        if (chunk.IsInvalid)
        {
            if (NativeMethods.Query.DuckDBResultError(ref _result) is { Length: > 0 })
            {
                throw ErrorOf(ref _result, memoryLimit);
            }

            _exhausted = true;
            return null;
        }

        var rows = (int)NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);
        _exhausted = rows == 0;
        return _exhausted ? null : ToBatch(chunk, rows);
    }

    /// <summary>A batch without rows, for a result that has none: its schema still reaches the consumer.</summary>
    public RecordBatch Empty()
    {
        using var chunk = NativeMethods.DataChunks.DuckDBCreateDataChunk([.. _types.Select(type => type.DangerousGetHandle())], (ulong)_types.Length);
        return ToBatch(chunk, 0);
    }

    private RecordBatch ToBatch(DuckDBDataChunk chunk, int rows)
    {
        var array = CArrowArray.Create();
        RecordBatch batch;
        try
        {
            using (var error = NativeMethods.Arrow.DuckDBDataChunkToArrow(_options, chunk, (IntPtr)array))
            {
                ThrowIfError(error);
            }

            batch = CArrowArrayImporter.ImportRecordBatch(array, _exported);
        }
        finally
        {
            CArrowArray.Free(array);
        }

        return _uuidColumns.Contains(true) ? WithUuidColumns(batch, chunk, rows) : batch;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _options.Dispose();
        foreach (var type in _types)
        {
            type?.Dispose();
        }

        NativeMethods.Query.DuckDBDestroyResult(ref _result);
    }

    private static EngineException ErrorOf(ref DuckDBResult result, string memoryLimit)
    {
        var message = NativeMethods.Query.DuckDBResultError(ref result) ?? "The engine failed without a message.";
        return NativeMethods.Query.DuckDBResultErrorType(ref result) switch
        {
            DuckDBErrorType.Interrupt => new EngineException(EngineFailureKind.Canceled, "DuckDB interrupted the query: " + message),
            DuckDBErrorType.Permission => EngineErrors.FromMessage("Permission Error: " + message, memoryLimit),
            DuckDBErrorType.OutOfMemory => EngineErrors.FromMessage("Out of Memory Error: " + message, memoryLimit),
            _ => EngineErrors.FromMessage(message, memoryLimit),
        };
    }

    private static void ThrowIfError(DuckDBErrorData error)
    {
        if (!error.IsInvalid && NativeMethods.ErrorData.DuckDBErrorDataHasError(error))
        {
            throw new EngineException(EngineFailureKind.Sql, "The engine could not convert the result to Arrow: " + NativeMethods.ErrorData.DuckDBErrorDataMessage(error));
        }
    }

    private Schema WithUuids(Schema exported)
    {
        if (!_uuidColumns.Contains(true))
        {
            return exported;
        }

        var builder = new Schema.Builder();
        for (var column = 0; column < exported.FieldsList.Count; column++)
        {
            var field = exported.FieldsList[column];
            builder.Field(_uuidColumns[column] ? new Field(field.Name, GuidType.Default, field.IsNullable, field.Metadata) : field);
        }

        if (exported.Metadata is { } metadata)
        {
            builder.Metadata(metadata);
        }

        return builder.Build();
    }

    // The batch with each UUID column (exported as text) replaced by one read from the chunk's vector. The other
    // columns move to the new batch as they are (disposing it releases them); the text columns are released now.
    private RecordBatch WithUuidColumns(RecordBatch exported, DuckDBDataChunk chunk, int rows)
    {
        var columns = new IArrowArray[exported.ColumnCount];
        for (var column = 0; column < columns.Length; column++)
        {
            columns[column] = exported.Column(column);
            if (_uuidColumns[column])
            {
                columns[column].Dispose();
                columns[column] = ReadUuids(NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, column), rows);
            }
        }

        return new RecordBatch(Schema, columns, rows);
    }

    // DuckDB keeps a UUID as a 128-bit integer (lower 64 bits first) with the top bit flipped, so that it sorts as its
    // text does; arrow.uuid is the 16 bytes in RFC 4122 (big-endian) order. A NULL is a zeroed value with its validity bit off.
    private static GuidArray ReadUuids(IntPtr vector, int rows)
    {
        var values = (ulong*)NativeMethods.Vectors.DuckDBVectorGetData(vector);
        var validity = NativeMethods.Vectors.DuckDBVectorGetValidity(vector);
        var bytes = new byte[rows * 16];
        var nulls = 0;
        byte[]? bitmap = null;
        if (validity is not null)
        {
            bitmap = new byte[(rows + 7) / 8];
            new ReadOnlySpan<byte>(validity, bitmap.Length).CopyTo(bitmap);
        }

        for (var row = 0; row < rows; row++)
        {
            if (bitmap is not null && (bitmap[row >> 3] & (1 << (row & 7))) == 0)
            {
                nulls++;
                continue;
            }

            var target = bytes.AsSpan(row * 16, 16);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(target, values[(row * 2) + 1] ^ UuidSignFlip);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(target[8..], values[row * 2]);
        }

        var data = new ArrayData(
            GuidType.Default.StorageType,
            rows,
            nulls,
            0,
            [nulls == 0 ? ArrowBuffer.Empty : new ArrowBuffer(bitmap), new ArrowBuffer(bytes)]);
        return new GuidArray(GuidType.Default, new FixedSizeBinaryArray(data));
    }
}
