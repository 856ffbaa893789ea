using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansHa.Engine.Tests;

/// <summary>Values of Arrow arrays as plain .NET values, for assertions: integers up to 32 bits unsigned as <see cref="long"/>.</summary>
internal static class ArrowValues
{
    public static object?[] Row(RecordBatch batch, int row) =>
        [.. Enumerable.Range(0, batch.ColumnCount).Select(column => Value(batch.Column(column), row))];

    public static IEnumerable<object?[]> Rows(RecordBatch batch) =>
        Enumerable.Range(0, batch.Length).Select(row => Row(batch, row));

    public static object?[] Values(IArrowArray array) => [.. Enumerable.Range(0, array.Length).Select(index => Value(array, index))];

    public static object? Value(IArrowArray array, int index) => array.IsNull(index) ? null : array switch
    {
        Int8Array a => (long)a.GetValue(index)!.Value,
        Int16Array a => (long)a.GetValue(index)!.Value,
        Int32Array a => (long)a.GetValue(index)!.Value,
        Int64Array a => a.GetValue(index),
        UInt8Array a => (long)a.GetValue(index)!.Value,
        UInt16Array a => (long)a.GetValue(index)!.Value,
        UInt32Array a => (long)a.GetValue(index)!.Value,
        UInt64Array a => a.GetValue(index),
        FloatArray a => (double)a.GetValue(index)!.Value,
        DoubleArray a => a.GetValue(index),
        Decimal128Array a => a.GetValue(index),
        BooleanArray a => a.GetValue(index),
        StringArray a => a.GetString(index),
        DictionaryArray a => Value(a.Dictionary, (int)(long)Value(a.Indices, index)!),
        BinaryArray a => a.GetBytes(index).ToArray(),
        Date32Array a => a.GetDateTime(index),
        TimestampArray a when ((TimestampType)a.Data.DataType).Timezone is { Length: > 0 } => a.GetTimestamp(index)!.Value.UtcDateTime,
        TimestampArray a => a.GetTimestamp(index)!.Value.DateTime,
        GuidArray a => a.GetGuid(index),
        Time64Array a => a.GetTime(index),
        MonthDayNanosecondIntervalArray a => a.GetValue(index),
        ListArray a => Values(a.GetSlicedValues(index)),
        StructArray a => a.Fields.Select(field => Value(field, index)).ToArray(),
        _ => throw new NotSupportedException($"No test value for {array.Data.DataType.Name}."),
    };
}
