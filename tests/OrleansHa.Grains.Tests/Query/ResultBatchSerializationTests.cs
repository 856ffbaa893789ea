using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Grains.Tests.Query;

public sealed class ResultBatchSerializationTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(ResultBatch).Assembly))
        .BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void A_batch_of_every_type_survives_a_round_trip_with_its_nulls()
    {
        var batch = new ResultBatch(
            [
                new("b", ResultType.Boolean), new("i", ResultType.Integer), new("f", ResultType.Double), new("d", ResultType.Decimal),
                new("s", ResultType.String), new("day", ResultType.Date), new("at", ResultType.Timestamp), new("bin", ResultType.Binary),
                new("o", ResultType.Other),
            ],
            [
                ResultVector.OfBooleans([true, null, false]),
                ResultVector.OfIntegers([long.MinValue, null, long.MaxValue]),
                ResultVector.OfDoubles([1.5, null, double.NaN]),
                ResultVector.OfDecimals([79228162514264337593543950335m, null, -0.0001m]),
                ResultVector.OfStrings(["a", null, "ünï"]),
                ResultVector.OfDateTimes([new DateTime(2024, 2, 29), null, DateTime.MinValue], ResultType.Date),
                ResultVector.OfDateTimes([new DateTime(2024, 2, 29, 1, 2, 3, DateTimeKind.Utc), null, new DateTime(1, 1, 1, 0, 0, 0, 1)], ResultType.Timestamp),
                ResultVector.OfBinaries([[1, 2, 3], null, []]),
                ResultVector.OfStrings(["[1, 2]", null, "{a: 1}"], ResultType.Other),
            ],
            3);

        var copy = RoundTrip(batch);

        Assert.Equal(batch.Columns, copy.Columns);
        Assert.Equal(3, copy.RowCount);
        for (var column = 0; column < batch.Columns.Count; column++)
        {
            Assert.Equal(batch.Vectors[column].Type, copy.Vectors[column].Type);
            Assert.Equal(3, copy.Vectors[column].Length);
            for (var row = 0; row < 3; row++)
            {
                Assert.Equal(batch.GetValue(row, column), copy.GetValue(row, column));
                Assert.Equal(row == 1, copy.Vectors[column].IsNull(row));
            }
        }

        Assert.Equal(DateTimeKind.Utc, ((DateTime)copy.GetValue(0, 6)!).Kind);
    }

    [Fact]
    public async Task A_batch_from_a_query_survives_a_round_trip()
    {
        var batch = Assert.Single(await EngineQueries.ListAsync(
            "SELECT i AS id, (i * 1.25)::DECIMAL(10,2) AS amount, DATE '2024-01-01' + i::INTEGER AS day, CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END AS note, [i, NULL] AS list FROM range(20) t(i)"));

        var copy = RoundTrip(batch);

        Assert.Equal(batch.Columns, copy.Columns);
        Assert.Equal(batch.Rows(), copy.Rows());
    }

    [Fact]
    public void A_QueryFailedException_keeps_its_kind_and_message()
    {
        var serializer = _services.GetRequiredService<Serializer>();
        var failure = new QueryFailedException(QueryFailureKind.MemoryLimit, "The query needed more memory than its limit of 64MB.");

        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(failure));

        var typed = Assert.IsType<QueryFailedException>(copy);
        Assert.Equal(QueryFailureKind.MemoryLimit, typed.Kind);
        Assert.Equal(failure.Message, typed.Message);
    }

    private ResultBatch RoundTrip(ResultBatch batch)
    {
        var serializer = _services.GetRequiredService<Serializer>();
        return serializer.Deserialize<ResultBatch>(serializer.SerializeToArray(batch))!;
    }
}
