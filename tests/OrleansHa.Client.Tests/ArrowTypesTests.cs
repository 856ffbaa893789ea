using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Client.Tests;

/// <summary>Every engine type the REST path returns arrives at the client as its Arrow type, with its value and its NULL.</summary>
[Collection(QueryClusterGroup.Name)]
public sealed class ArrowTypesTests(QueryClusterFixture fixture)
{
    // One column of each type; the second row is all NULL.
    private const string EveryType = """
        SELECT * FROM (VALUES (
            42::TINYINT, 4242::SMALLINT, 424242::INTEGER, 42424242424242::BIGINT, 4000000000::UINTEGER, 18446744073709551615::UBIGINT,
            12345678901234567890123456789012345678::HUGEINT, 12.345::DECIMAL(18,3), 1234567890123456789012345.5::DECIMAL(38,1),
            1.5::FLOAT, 2.25::DOUBLE, 'ünïcode', '\x00\xff'::BLOB, true,
            DATE '2024-02-29', TIME '12:34:56.789', TIMESTAMP '2024-02-29 01:02:03.456789', TIMESTAMPTZ '2024-02-29 12:00:00+02',
            INTERVAL '1 month 2 days 3 seconds', '5b2c5c36-5e3e-4f0e-8f43-2b2a1c9a0c3e'::UUID, [1, NULL, 3], {'a': 1, 'b': 'x'}
        ), (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL))
        AS t(tiny, small, int, big, uint, ubig, huge, dec, wide, f, d, s, blob, flag, day, t, ts, tz, span, id, list, rec)
        """;

    [Fact]
    public async Task One_column_of_each_type_round_trips_through_the_cluster_as_Arrow()
    {
        var batches = new List<RecordBatch>();
        await foreach (RecordBatch batch in fixture.Client.QueryAsync(EveryType).RecordBatchesAsync())
        {
            batches.Add(batch);
        }

        using RecordBatch result = Assert.Single(batches);
        Assert.Equal(2, result.Length);
        Assert.Equal(
            [
                ArrowTypeId.Int8, ArrowTypeId.Int16, ArrowTypeId.Int32, ArrowTypeId.Int64, ArrowTypeId.UInt32, ArrowTypeId.UInt64,
                ArrowTypeId.Decimal128, ArrowTypeId.Decimal128, ArrowTypeId.Decimal128, ArrowTypeId.Float, ArrowTypeId.Double,
                ArrowTypeId.String, ArrowTypeId.Binary, ArrowTypeId.Boolean, ArrowTypeId.Date32, ArrowTypeId.Time64,
                ArrowTypeId.Timestamp, ArrowTypeId.Timestamp, ArrowTypeId.Interval, ArrowTypeId.Extension, ArrowTypeId.List, ArrowTypeId.Struct,
            ],
            result.Schema.FieldsList.Select(field => field.DataType.TypeId));
        for (int column = 0; column < result.ColumnCount; column++)
        {
            Assert.True(result.Column(column).IsValid(0), $"{result.Schema.FieldsList[column].Name} is NULL in the first row");
            Assert.True(result.Column(column).IsNull(1), $"{result.Schema.FieldsList[column].Name} is not NULL in the second row");
        }

        Assert.Equal((sbyte)42, ((Int8Array)result.Column(0)).GetValue(0));
        Assert.Equal(42424242424242L, ((Int64Array)result.Column(3)).GetValue(0));
        Assert.Equal(18446744073709551615UL, ((UInt64Array)result.Column(5)).GetValue(0));
        Assert.Equal("12345678901234567890123456789012345678", ((Decimal128Array)result.Column(6)).GetSqlDecimal(0).ToString());
        Assert.Equal((18, 3), Precision(result, 7));
        Assert.Equal(12.345m, ((Decimal128Array)result.Column(7)).GetValue(0));
        Assert.Equal((38, 1), Precision(result, 8));
        Assert.Equal("1234567890123456789012345.5", ((Decimal128Array)result.Column(8)).GetSqlDecimal(0).ToString());
        Assert.Equal(1.5f, ((FloatArray)result.Column(9)).GetValue(0));
        Assert.Equal("ünïcode", ((StringArray)result.Column(11)).GetString(0));
        Assert.Equal(new byte[] { 0, 255 }, ((BinaryArray)result.Column(12)).GetBytes(0).ToArray());
        Assert.True(((BooleanArray)result.Column(13)).GetValue(0));
        Assert.Equal(new DateOnly(2024, 2, 29), ((Date32Array)result.Column(14)).GetDateOnly(0));
        Assert.Equal(new TimeOnly(12, 34, 56, 789), ((Time64Array)result.Column(15)).GetTime(0));
        var ts = (TimestampType)result.Schema.FieldsList[16].DataType;
        Assert.True(string.IsNullOrEmpty(ts.Timezone));
        Assert.Equal(new DateTime(2024, 2, 29, 1, 2, 3, 456).AddTicks(7890), ((TimestampArray)result.Column(16)).GetTimestamp(0)!.Value.DateTime);
        Assert.False(string.IsNullOrEmpty(((TimestampType)result.Schema.FieldsList[17].DataType).Timezone));
        Assert.Equal(new DateTimeOffset(2024, 2, 29, 10, 0, 0, TimeSpan.Zero), ((TimestampArray)result.Column(17)).GetTimestamp(0));
        var span = ((MonthDayNanosecondIntervalArray)result.Column(18)).GetValue(0)!.Value;
        Assert.Equal((1, 2, 3_000_000_000L), (span.Months, span.Days, span.Nanoseconds));
        Assert.Equal(Guid.Parse("5b2c5c36-5e3e-4f0e-8f43-2b2a1c9a0c3e"), ((GuidArray)result.Column(19)).GetGuid(0));
        var list = (Int32Array)((ListArray)result.Column(20)).GetSlicedValues(0);
        Assert.Equal([1, null, 3], Enumerable.Range(0, list.Length).Select(i => list.GetValue(i)));
        var rec = (StructArray)result.Column(21);
        Assert.Equal(["a", "b"], ((StructType)rec.Data.DataType).Fields.Select(field => field.Name));
        Assert.Equal("x", ((StringArray)rec.Fields[1]).GetString(0));
    }

    [Fact]
    public async Task The_same_result_as_rows_keeps_the_result_types()
    {
        var rows = new List<object?[]>();
        await foreach (object?[] row in fixture.Client.QueryAsync(EveryType.Replace("12345678901234567890123456789012345678::HUGEINT", "7::HUGEINT", StringComparison.Ordinal)
            .Replace("1234567890123456789012345.5::DECIMAL(38,1)", "5.5::DECIMAL(38,1)", StringComparison.Ordinal)).RowsAsync())
        {
            rows.Add(row);
        }

        Assert.Equal(2, rows.Count);
        Assert.All(rows[1], Assert.Null);
        Assert.Equal([42L, 4242L, 424242L, 42424242424242L, 4000000000L, 18446744073709551615m, 7m, 12.345m, 5.5m, 1.5, 2.25, "ünïcode"], rows[0][..12]);
        Assert.Equal("5b2c5c36-5e3e-4f0e-8f43-2b2a1c9a0c3e", rows[0][19]);
        Assert.Equal("[1, NULL, 3]", rows[0][20]);
        Assert.Equal("{a: 1, b: x}", rows[0][21]);
    }

    private static (int, int) Precision(RecordBatch batch, int column) =>
        batch.Schema.FieldsList[column].DataType is Decimal128Type type ? (type.Precision, type.Scale) : default;
}
