using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Tests.Query;

/// <summary>The rows-and-vectors view of the engine's Arrow batches: each engine type keeps the <see cref="ResultType"/> it always had.</summary>
public sealed class ArrowConversionTests
{
    [Fact]
    public async Task Maps_the_engine_types_to_their_result_types()
    {
        var batch = Assert.Single(await EngineQueries.ListAsync(
            """
            SELECT 1::TINYINT AS tiny, 4000000000::UINTEGER AS uint, 18446744073709551615::UBIGINT AS ubig,
                   sum(x) AS total, 1.5::FLOAT AS f, 12.345::DECIMAL(18,3) AS d,
                   TIMESTAMPTZ '2024-05-01 12:00:00+02' AS tz, TIMESTAMP_NS '2024-05-01 12:00:00.123456789' AS ns,
                   'a'::ENUM('a', 'b') AS e, [1, 2, NULL] AS list, INTERVAL 36 HOUR AS span,
                   '5b2c5c36-5e3e-4f0e-8f43-2b2a1c9a0c3e'::UUID AS id, NULL::INTEGER AS nothing,
                   {'ip': '10.0.0.1', 'n': NULL} AS rec, MAP {'k': 1} AS m, TIME '12:34:56.5' AS t, DATE '2024-05-01' AS day,
                   'b7'::BLOB AS blob, true AS flag
            FROM (VALUES (1), (2)) v(x)
            """));

        Assert.Equal(
            [
                ResultType.Integer, ResultType.Integer, ResultType.Decimal, ResultType.Decimal, ResultType.Double,
                ResultType.Decimal, ResultType.Timestamp, ResultType.Timestamp, ResultType.String, ResultType.Other,
                ResultType.Other, ResultType.Other, ResultType.Integer, ResultType.Other, ResultType.Other, ResultType.Other,
                ResultType.Date, ResultType.Binary, ResultType.Boolean,
            ],
            batch.Columns.Select(column => column.Type));
        var row = batch.GetRow(0);
        Assert.Equal(1L, row[0]);
        Assert.Equal(4000000000L, row[1]);
        Assert.Equal(18446744073709551615m, row[2]);
        Assert.Equal(3m, row[3]);
        Assert.Equal(1.5, row[4]);
        Assert.Equal(12.345m, row[5]);
        Assert.Equal(new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc), row[6]);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)row[6]!).Kind);
        Assert.Equal(new DateTime(2024, 5, 1, 12, 0, 0, 123).AddTicks(4567), row[7]);
        Assert.Equal("a", row[8]);
        Assert.Equal("[1, 2, NULL]", row[9]);
        Assert.Equal("1.12:00:00", row[10]);
        Assert.Equal("5b2c5c36-5e3e-4f0e-8f43-2b2a1c9a0c3e", row[11]);
        Assert.Null(row[12]);
        Assert.Equal("{ip: 10.0.0.1, n: NULL}", row[13]);
        Assert.Equal("{k: 1}", row[14]);
        Assert.Equal("12:34:56.5", row[15]);
        Assert.Equal(new DateTime(2024, 5, 1), row[16]);
        Assert.Equal("b7"u8.ToArray(), (byte[])row[17]!);
        Assert.Equal(true, row[18]);
    }

    [Fact]
    public async Task A_value_that_does_not_fit_its_result_type_fails_with_the_column_and_a_way_out()
    {
        var failure = await Assert.ThrowsAsync<QueryFailedException>(() =>
            EngineQueries.ListAsync("SELECT 12345678901234567890123456789012.5::DECIMAL(38,1) AS wide"));

        Assert.Equal(QueryFailureKind.Sql, failure.Kind);
        Assert.Contains("'wide'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Cast it to VARCHAR", failure.Message, StringComparison.Ordinal);
    }
}
