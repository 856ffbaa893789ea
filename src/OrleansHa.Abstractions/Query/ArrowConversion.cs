using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Scalars;
using Apache.Arrow.Types;

namespace OrleansHa.Abstractions.Query;

/// <summary>
/// An Arrow record batch as a <see cref="ResultBatch"/>, the row-and-vector view that REST and the first grain-client
/// API hand out: each Arrow type maps to the <see cref="ResultType"/> it always had, and types without one (times,
/// intervals, UUIDs, lists, structs, maps, unions) become text, written as DuckDB prints them.
/// </summary>
internal static class ArrowConversion
{
    public static ResultBatch ToResultBatch(RecordBatch batch)
    {
        var columns = new ResultColumn[batch.ColumnCount];
        var vectors = new ResultVector[batch.ColumnCount];
        for (var column = 0; column < columns.Length; column++)
        {
            var field = batch.Schema.FieldsList[column];
            (columns[column], vectors[column]) = Convert(field, batch.Column(column));
        }

        return new ResultBatch(columns, vectors, batch.Length);
    }

    /// <summary>The <see cref="ResultType"/> a column of <paramref name="type"/> has.</summary>
    public static ResultType ResultTypeOf(IArrowType type) => type switch
    {
        BooleanType => ResultType.Boolean,
        Int8Type or Int16Type or Int32Type or Int64Type or UInt8Type or UInt16Type or UInt32Type => ResultType.Integer,
        UInt64Type or Decimal128Type => ResultType.Decimal,
        FloatType or DoubleType => ResultType.Double,
        StringType or StringViewType or LargeStringType => ResultType.String,
        DictionaryType { ValueType: StringType } => ResultType.String,
        Date32Type or Date64Type => ResultType.Date,
        TimestampType => ResultType.Timestamp,
        BinaryType or LargeBinaryType => ResultType.Binary,
        _ => ResultType.Other,
    };

    private static (ResultColumn, ResultVector) Convert(Field field, IArrowArray array)
    {
        var type = ResultTypeOf(field.DataType);
        var length = array.Length;
        try
        {
            ResultVector vector = type switch
            {
                ResultType.Boolean => ResultVector.OfBooleans(Fill(length, array, (a, i) => ((BooleanArray)a).GetValue(i))),
                ResultType.Integer => ResultVector.OfIntegers(Fill(length, array, (a, i) => (long?)System.Convert.ToInt64(Cell(a, i), CultureInfo.InvariantCulture))),
                ResultType.Decimal => ResultVector.OfDecimals(Fill(length, array, (a, i) => (decimal?)System.Convert.ToDecimal(Cell(a, i), CultureInfo.InvariantCulture))),
                ResultType.Double => ResultVector.OfDoubles(Fill(length, array, (a, i) => (double?)System.Convert.ToDouble(Cell(a, i), CultureInfo.InvariantCulture))),
                ResultType.String => ResultVector.OfStrings(Fill(length, array, (a, i) => (string?)Cell(a, i))),
                ResultType.Date or ResultType.Timestamp => ResultVector.OfDateTimes(Fill(length, array, (a, i) => (DateTime?)Cell(a, i)), type),
                ResultType.Binary => ResultVector.OfBinaries(Fill(length, array, (a, i) => (byte[]?)Cell(a, i))),
                _ => ResultVector.OfStrings(Fill(length, array, (a, i) => Render(Cell(a, i))), ResultType.Other),
            };
            return (new ResultColumn(field.Name, type), vector);
        }
        catch (Exception e) when (e is OverflowException or InvalidCastException or NotSupportedException)
        {
            throw new QueryFailedException(
                QueryFailureKind.Sql,
                $"Column '{field.Name}' ({field.DataType.Name}) holds a value that cannot be returned as rows: {e.Message} Cast it to VARCHAR (or DOUBLE) in the query, or read the result as Arrow record batches.");
        }
    }

    private static T?[] Fill<T>(int length, IArrowArray array, Func<IArrowArray, int, T?> read)
    {
        var values = new T?[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = array.IsNull(i) ? default : read(array, i);
        }

        return values;
    }

    /// <summary>The value at <paramref name="index"/> as a plain .NET value, or null for NULL.</summary>
    public static object? Cell(IArrowArray array, int index) => array.IsNull(index) ? null : array switch
    {
        BooleanArray a => a.GetValue(index),
        Int8Array a => a.GetValue(index),
        Int16Array a => a.GetValue(index),
        Int32Array a => a.GetValue(index),
        Int64Array a => a.GetValue(index),
        UInt8Array a => a.GetValue(index),
        UInt16Array a => a.GetValue(index),
        UInt32Array a => a.GetValue(index),
        UInt64Array a => a.GetValue(index),
        FloatArray a => a.GetValue(index),
        DoubleArray a => a.GetValue(index),
        // Without the trailing zeros of the column's scale (3, not 3.0), as rows and REST pages have always shown decimals;
        // Arrow readers get the exact Decimal128 with its precision and scale.
        Decimal128Array a => a.GetValue(index) / 1.0000000000000000000000000000m,
        StringArray a => a.GetString(index),
        StringViewArray a => a.GetString(index),
        LargeStringArray a => a.GetString(index),
        BinaryArray a => a.GetBytes(index).ToArray(),
        LargeBinaryArray a => a.GetBytes(index).ToArray(),
        DictionaryArray a => Cell(a.Dictionary, System.Convert.ToInt32(Cell(a.Indices, index), CultureInfo.InvariantCulture)),
        Date32Array a => a.GetDateTime(index),
        Date64Array a => a.GetDateTime(index),
        TimestampArray a when ((TimestampType)a.Data.DataType).Timezone is { Length: > 0 } => a.GetTimestamp(index)!.Value.UtcDateTime,
        TimestampArray a => a.GetTimestamp(index)!.Value.DateTime,
        Time32Array a => a.GetTime(index),
        Time64Array a => a.GetTime(index),
        MonthDayNanosecondIntervalArray a => a.GetValue(index),
        GuidArray a => a.GetGuid(index),
        FixedSizeBinaryArray a => a.GetBytes(index).ToArray(),
        MapArray a => Map(a, index),
        ListArray a => Items(a.GetSlicedValues(index)),
        FixedSizeListArray a => Items(a.GetSlicedValues(index)),
        StructArray a => Struct((StructType)a.Data.DataType, a.Fields, index),
        UnionArray a => Cell(a.Fields[System.Array.IndexOf(a.Type.TypeIds, (int)a.TypeIds[index])], a is DenseUnionArray dense ? dense.ValueOffsets[index] : index),
        _ => throw new NotSupportedException($"Arrow type {array.Data.DataType.Name} has no value conversion."),
    };

    private static object?[] Items(IArrowArray items) => [.. Enumerable.Range(0, items.Length).Select(i => Cell(items, i))];

    private static KeyValuePair<string, object?>[] Struct(StructType type, IReadOnlyList<IArrowArray> fields, int index) =>
        [.. fields.Select((field, i) => new KeyValuePair<string, object?>(type.Fields[i].Name, Cell(field, index)))];

    private static KeyValuePair<object?, object?>[] Map(MapArray map, int index)
    {
        var start = map.ValueOffsets[index];
        var end = map.ValueOffsets[index + 1];
        return [.. Enumerable.Range(start, end - start).Select(i => new KeyValuePair<object?, object?>(Cell(map.Keys, i), Cell(map.Values, i)))];
    }

    /// <summary>Text for a value of a type without its own <see cref="ResultType"/>, close to how DuckDB prints it.</summary>
    internal static string Render(object? value) => value switch
    {
        null => "NULL",
        string text => text,
        bool flag => flag ? "true" : "false",
        DateTime dateTime => dateTime.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeOnly time => time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        MonthDayNanosecondInterval span => RenderInterval(span),
        Guid guid => guid.ToString("D"),
        byte[] bytes => System.Convert.ToHexString(bytes),
        KeyValuePair<string, object?>[] fields => "{" + string.Join(", ", fields.Select(f => $"{f.Key}: {Render(f.Value)}")) + "}",
        KeyValuePair<object?, object?>[] entries => "{" + string.Join(", ", entries.Select(e => $"{Render(e.Key)}: {Render(e.Value)}")) + "}",
        object?[] items => "[" + string.Join(", ", items.Select(Render)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    // As a TimeSpan ("1.12:00:00" for 36 hours), with the months in front when there are any.
    private static string RenderInterval(MonthDayNanosecondInterval span)
    {
        var time = new TimeSpan((span.Days * TimeSpan.TicksPerDay) + (span.Nanoseconds / 100)).ToString("c", CultureInfo.InvariantCulture);
        return span.Months == 0 ? time : string.Create(CultureInfo.InvariantCulture, $"{span.Months} months {time}");
    }
}
