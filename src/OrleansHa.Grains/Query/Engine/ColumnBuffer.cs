using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Query.Engine;

/// <summary>
/// Collects one column's values for the batch being filled, read with the typed getter that fits the column's DuckDB
/// type, and hands them over as a <see cref="ResultVector"/>. Each batch gets fresh arrays (the previous ones belong to
/// the batch already handed out).
/// </summary>
internal abstract class ColumnBuffer
{
    private ColumnBuffer(string name, string engineType, ResultType type, int capacity)
    {
        Name = name;
        EngineType = engineType;
        Type = type;
        Capacity = capacity;
    }

    public string Name { get; }

    /// <summary>DuckDB's type, for messages.</summary>
    public string EngineType { get; }

    public ResultType Type { get; }

    protected int Capacity { get; }

    /// <summary>The buffer for column <paramref name="ordinal"/> of <paramref name="reader"/>, batches of <paramref name="capacity"/> rows.</summary>
    public static ColumnBuffer For(DuckDBDataReader reader, int ordinal, int capacity)
    {
        var name = reader.GetName(ordinal);
        DuckDBType? duckType = null;
        string engineType;
        try
        {
            engineType = reader.GetDataTypeName(ordinal);
            duckType = Enum.TryParse<DuckDBType>(engineType, out var parsed) ? parsed : null;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            engineType = "unsupported type";
        }

        return duckType switch
        {
            DuckDBType.Boolean =>
                new Values<bool?>(name, engineType, ResultType.Boolean, capacity, static (r, o) => r.GetBoolean(o), ResultVector.OfBooleans),
            DuckDBType.TinyInt or DuckDBType.SmallInt or DuckDBType.Integer or DuckDBType.BigInt
                or DuckDBType.UnsignedTinyInt or DuckDBType.UnsignedSmallInt or DuckDBType.UnsignedInteger =>
                new Values<long?>(name, engineType, ResultType.Integer, capacity, static (r, o) => r.GetInt64(o), ResultVector.OfIntegers),
            DuckDBType.UnsignedBigInt =>
                new Values<decimal?>(name, engineType, ResultType.Decimal, capacity, static (r, o) => r.GetFieldValue<ulong>(o), ResultVector.OfDecimals),
            DuckDBType.HugeInt or DuckDBType.UnsignedHugeInt =>
                new Values<decimal?>(name, engineType, ResultType.Decimal, capacity, static (r, o) => (decimal)r.GetFieldValue<BigInteger>(o), ResultVector.OfDecimals),
            DuckDBType.Decimal =>
                new Values<decimal?>(name, engineType, ResultType.Decimal, capacity, static (r, o) => r.GetDecimal(o), ResultVector.OfDecimals),
            DuckDBType.Float or DuckDBType.Double =>
                new Values<double?>(name, engineType, ResultType.Double, capacity, static (r, o) => r.GetDouble(o), ResultVector.OfDoubles),
            DuckDBType.Varchar or DuckDBType.Enum =>
                new Values<string?>(name, engineType, ResultType.String, capacity, static (r, o) => r.GetString(o), v => ResultVector.OfStrings(v)),
            DuckDBType.Date =>
                new Values<DateTime?>(name, engineType, ResultType.Date, capacity, static (r, o) => r.GetFieldValue<DateOnly>(o).ToDateTime(TimeOnly.MinValue), v => ResultVector.OfDateTimes(v, ResultType.Date)),
            DuckDBType.Timestamp or DuckDBType.TimestampS or DuckDBType.TimestampMs or DuckDBType.TimestampNs =>
                new Values<DateTime?>(name, engineType, ResultType.Timestamp, capacity, static (r, o) => r.GetDateTime(o), v => ResultVector.OfDateTimes(v, ResultType.Timestamp)),
            DuckDBType.TimestampTz =>
                new Values<DateTime?>(name, engineType, ResultType.Timestamp, capacity, static (r, o) => DateTime.SpecifyKind(r.GetDateTime(o), DateTimeKind.Utc), v => ResultVector.OfDateTimes(v, ResultType.Timestamp)),
            DuckDBType.Blob =>
                new Values<byte[]?>(name, engineType, ResultType.Binary, capacity, static (r, o) => ReadBlob(r, o), ResultVector.OfBinaries),
            _ => OtherColumn(reader, ordinal, name, engineType, capacity),
        };
    }

    // Text for a LIST, STRUCT, MAP, ... column. DuckDB.NET reads a LIST of INTEGER as List<int> and fails on a NULL
    // element, so lists and maps are read with nullable elements (List<int?>, Dictionary<string, int?>), all the way down.
    private static Values<string?> OtherColumn(DuckDBDataReader reader, int ordinal, string name, string engineType, int capacity)
    {
        Func<DuckDBDataReader, int, object?> read = static (r, o) => r.GetValue(o);
        try
        {
            var fieldType = reader.GetFieldType(ordinal);
            var readable = WithNullableElements(fieldType);
            if (readable != fieldType)
            {
                read = GetFieldValueAs(readable);
            }
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            // A type DuckDB.NET cannot read at all (UNION): every value fails, with the column's name, in Read.
        }

        return new Values<string?>(name, engineType, ResultType.Other, capacity, (r, o) => Render(read(r, o)), v => ResultVector.OfStrings(v, ResultType.Other));
    }

    private static Type WithNullableElements(Type type)
    {
        if (type.IsValueType)
        {
            return Nullable.GetUnderlyingType(type) is null ? typeof(Nullable<>).MakeGenericType(type) : type;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return typeof(List<>).MakeGenericType(WithNullableElements(type.GetGenericArguments()[0]));
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var arguments = type.GetGenericArguments();
            return typeof(Dictionary<,>).MakeGenericType(arguments[0], WithNullableElements(arguments[1]));
        }

        return type;
    }

    // reader.GetFieldValue<T>(ordinal) for a T known only at run time.
    private static Func<DuckDBDataReader, int, object?> GetFieldValueAs(Type type) =>
        (Func<DuckDBDataReader, int, object?>)typeof(ColumnBuffer)
            .GetMethod(nameof(FieldValueReader), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(type)
            .Invoke(null, null)!;

    private static Func<DuckDBDataReader, int, object?> FieldValueReader<T>() => static (reader, ordinal) => reader.GetFieldValue<T>(ordinal);

    /// <summary>Reads the value of column <paramref name="ordinal"/> in the reader's current row into row <paramref name="row"/> of the batch.</summary>
    public void Read(DuckDBDataReader reader, int ordinal, int row)
    {
        try
        {
            ReadCore(reader, ordinal, row);
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException or ArgumentException or NotSupportedException
                                      or NotImplementedException or FormatException or InvalidOperationException)
        {
            throw new QueryFailedException(
                QueryFailureKind.Sql,
                $"Column '{Name}' ({EngineType}) holds a value that cannot be returned: {e.Message} Cast it to VARCHAR (or DOUBLE) in the query.");
        }
    }

    /// <summary>The first <paramref name="rowCount"/> values read since the last call, as a vector.</summary>
    public abstract ResultVector Build(int rowCount);

    protected abstract void ReadCore(DuckDBDataReader reader, int ordinal, int row);

    private static byte[] ReadBlob(DuckDBDataReader reader, int ordinal)
    {
        using var stream = reader.GetStream(ordinal);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Text for a value of a type without its own <see cref="ResultType"/>, close to how DuckDB prints it.</summary>
    internal static string Render(object? value) => value switch
    {
        null => "NULL",
        string text => text,
        bool flag => flag ? "true" : "false",
        DateTime dateTime => dateTime.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset offset => offset.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly time => time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        Guid guid => guid.ToString("D"),
        byte[] bytes => Convert.ToHexString(bytes),
        Stream stream => RenderStream(stream),
        IDictionary map => RenderMap(map),
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Render)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string RenderMap(IDictionary map)
    {
        var entries = new List<string>(map.Count);
        var entry = map.GetEnumerator();
        while (entry.MoveNext())
        {
            entries.Add($"{Render(entry.Key)}: {Render(entry.Value)}");
        }

        return "{" + string.Join(", ", entries) + "}";
    }

    private static string RenderStream(Stream stream)
    {
        using (stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return Convert.ToHexString(copy.ToArray());
        }
    }

    /// <summary>
    /// A column's values of one type, null for SQL NULL. <typeparamref name="TValue"/> is the nullable element type
    /// (<c>long?</c>, <c>string?</c>), so one buffer serves value and reference types alike.
    /// </summary>
    private sealed class Values<TValue>(
        string name,
        string engineType,
        ResultType type,
        int capacity,
        Func<DuckDBDataReader, int, TValue> read,
        Func<TValue[], ResultVector> build) : ColumnBuffer(name, engineType, type, capacity)
    {
        private TValue[]? _values;

        public override ResultVector Build(int rowCount)
        {
            var values = _values ?? [];
            _values = null;
            if (values.Length != rowCount)
            {
                Array.Resize(ref values, rowCount);
            }

            return build(values);
        }

        protected override void ReadCore(DuckDBDataReader reader, int ordinal, int row)
        {
            _values ??= new TValue[Capacity];
            _values[row] = reader.IsDBNull(ordinal) ? default! : read(reader, ordinal);
        }
    }
}
