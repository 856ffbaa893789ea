using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Node.Flight;

/// <summary>
/// SQL for Flight, on this coordinator: each run is a job of its own (<see cref="IQueryGrain.RunAsync"/>, placed on this
/// silo), whose Arrow batches pass through as the executor made them, one record batch each.
/// </summary>
internal sealed class FlightQueries(IGrainFactory grains)
{
    /// <summary>The record batches of <paramref name="sql"/>, each over its batch's bytes (no value is copied or looked at).</summary>
    public async IAsyncEnumerable<RecordBatch> RunAsync(string sql, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ArrowBatch batch in grains.GetGrain<IQueryGrain>(Guid.NewGuid()).RunAsync(sql, cancellationToken).WithCancellation(cancellationToken))
        {
            yield return batch.Decode();
        }
    }

    /// <summary>
    /// The schema of <paramref name="sql"/>'s result, from its first batch (the engine sends one even for no rows); the
    /// query is stopped there. A statement that cannot run fails here, before a ticket is handed out.
    /// </summary>
    public async Task<Schema> SchemaOfAsync(string sql, CancellationToken cancellationToken)
    {
        await foreach (RecordBatch first in RunAsync(sql, cancellationToken))
        {
            using (first)
            {
                return first.Schema;
            }
        }

        throw new InvalidOperationException($"The engine returned no batch for '{sql}', not even an empty one.");
    }

    /// <summary>A schema as Flight SQL carries it in a message: one Arrow IPC schema message (Schema.fbs), the start of a stream.</summary>
    public static byte[] SchemaBytes(Schema schema)
    {
        using var buffer = new MemoryStream();
        using (var writer = new ArrowStreamWriter(buffer, schema, leaveOpen: true))
        {
            writer.WriteStart();
        }

        return buffer.ToArray();
    }
}
