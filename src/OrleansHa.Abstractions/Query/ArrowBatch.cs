using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace OrleansHa.Abstractions.Query;

/// <summary>
/// One Arrow record batch of a query result as it crosses the wire and sits in a stored job result: a complete Arrow IPC
/// stream (schema, dictionaries, the batch, end of stream) in one byte array. Executors make it from the engine's batch;
/// coordinators pass it on (to a client, a stored result, a Flight stream) without looking inside; whoever needs the
/// values decodes it, with <see cref="Decode"/> (Arrow, without a copy) or <see cref="ToResultBatch"/> (rows).
/// </summary>
/// <remarks>Each batch carries its schema so that any batch can be read on its own: a page of a stored result, or a
/// stream taken up again at a batch on another coordinator. The schema is a few hundred bytes next to a batch's tens of
/// kilobytes.</remarks>
[GenerateSerializer]
[Immutable]
public sealed class ArrowBatch
{
    // The canonical extension types the engine produces (arrow.uuid), known when reading, without touching the
    // process-wide default registry of the application's own Arrow code.
    private static readonly ArrowContext Reading = new(extensionRegistry: WithEngineExtensions());

    public ArrowBatch(byte[] ipc, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(ipc);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        Ipc = ipc;
        RowCount = rowCount;
    }

    /// <summary>The Arrow IPC stream; read-only.</summary>
#pragma warning disable CA1819 // One array on purpose: it is what Orleans and a file copy as they are.
    [Id(0)]
    public byte[] Ipc { get; }
#pragma warning restore CA1819

    [Id(1)]
    public int RowCount { get; }

    /// <summary>Encodes <paramref name="batch"/> (which the caller still owns and disposes).</summary>
    public static ArrowBatch Encode(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var buffer = new MemoryStream();
        using (var writer = new ArrowStreamWriter(buffer, batch.Schema, leaveOpen: true))
        {
            writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }

        return new ArrowBatch(buffer.ToArray(), batch.Length);
    }

    /// <summary>The record batch, over <see cref="Ipc"/> without copying its buffers.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an Arrow IPC stream with a batch.</exception>
    public RecordBatch Decode()
    {
        using var reader = new ArrowStreamReader(Reading, new ReadOnlyMemory<byte>(Ipc));
        return reader.ReadNextRecordBatch() ?? throw new InvalidDataException("The Arrow IPC stream holds no record batch.");
    }

    private static ExtensionTypeRegistry WithEngineExtensions()
    {
        var registry = new ExtensionTypeRegistry();
        registry.Register(GuidExtensionDefinition.Instance);
        return registry;
    }

    /// <summary>The batch as rows and vectors (<see cref="ResultBatch.FromArrow"/>).</summary>
    public ResultBatch ToResultBatch()
    {
        using RecordBatch batch = Decode();
        return ResultBatch.FromArrow(batch);
    }
}
