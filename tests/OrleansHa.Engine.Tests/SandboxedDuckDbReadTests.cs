
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansHa.Engine.Tests;

public sealed class SandboxedDuckDbReadTests(QueryFiles files) : IClassFixture<QueryFiles>
{
    [Fact]
    public async Task Reads_a_CSV_file_in_the_allowed_directory_with_its_types_and_nulls()
    {
        var batches = await QueryFiles.RunAsync(
            $"SELECT id, name, score, born, active FROM read_csv('{files.Data}/people.csv') ORDER BY id",
            files.Sandbox());

        using var batch = Assert.Single(batches);
        Assert.Equal(["id", "name", "score", "born", "active"], batch.Schema.FieldsList.Select(field => field.Name));
        Assert.Equal(
            [ArrowTypeId.Int64, ArrowTypeId.String, ArrowTypeId.Double, ArrowTypeId.Date32, ArrowTypeId.Boolean],
            batch.Schema.FieldsList.Select(field => field.DataType.TypeId));
        Assert.Equal(3, batch.Length);
        Assert.Equal([1L, 2L, 3L], ((Int64Array)batch.Column(0)).Values.ToArray());
        Assert.Equal(["Ada", "Alan", "Grace"], Enumerable.Range(0, 3).Select(i => ((StringArray)batch.Column(1)).GetString(i)));
        Assert.True(batch.Column(2).IsNull(1));
        Assert.Equal(1, batch.Column(2).NullCount);
        Assert.Equal([2L, "Alan", null, new DateTime(1912, 6, 23), false], ArrowValues.Row(batch, 1));
    }

    [Fact]
    public async Task Reads_a_Parquet_file_with_decimal_timestamp_binary_and_null_values()
    {
        var rows = await QueryFiles.RowsAsync(
            $"SELECT id, amount, ratio, day, ts, note, blob FROM '{files.Data}/sales.parquet' WHERE id IN (0, 7, 999) ORDER BY id",
            files.Sandbox());

        Assert.Equal(3, rows.Count);
        Assert.Equal([0L, 0.00m, 0.0, new DateTime(2024, 1, 1), new DateTime(2024, 1, 1, 0, 0, 0), null], rows[0][..6]);
        Assert.Equal([7L, 8.75m, 0.875, new DateTime(2024, 1, 8), new DateTime(2024, 1, 1, 0, 0, 7), "note 7"], rows[1][..6]);
        Assert.Equal("b7"u8.ToArray(), (byte[])rows[1][6]!);
        Assert.Equal(999L, rows[2][0]);
        Assert.Equal(1248.75m, rows[2][1]);
        Assert.Equal(new DateTime(2024, 1, 1, 0, 16, 39), rows[2][4]);
    }

    [Fact]
    public async Task Maps_the_Parquet_column_types()
    {
        using var batch = Assert.Single(await QueryFiles.RunAsync($"SELECT * FROM '{files.Data}/sales.parquet' LIMIT 1", files.Sandbox()));

        Assert.Equal(
            [ArrowTypeId.Int64, ArrowTypeId.Decimal128, ArrowTypeId.Double, ArrowTypeId.Date32, ArrowTypeId.Timestamp, ArrowTypeId.String, ArrowTypeId.Binary],
            batch.Schema.FieldsList.Select(field => field.DataType.TypeId));
        Assert.Equal((10, 2), batch.Schema.FieldsList[1].DataType is Decimal128Type d ? (d.Precision, d.Scale) : default);
    }

    [Fact]
    public async Task Reads_Parquet_files_through_a_glob()
    {
        var rows = await QueryFiles.RowsAsync(
            $"SELECT part, count(*) AS n, sum(n) AS total FROM '{files.Data}/parts/*.parquet' GROUP BY part ORDER BY part",
            files.Sandbox());

        Assert.Equal([[0L, 100L, 4950m], [1L, 100L, 4950m], [2L, 100L, 4950m]], rows);
    }

    [Fact]
    public async Task Reads_a_JSON_file_with_a_nested_object_as_a_struct()
    {
        using var batch = Assert.Single(await QueryFiles.RunAsync(
            $"SELECT id, kind, meta FROM read_json('{files.Data}/events.json') ORDER BY id",
            files.Sandbox()));

        Assert.Equal([ArrowTypeId.Int64, ArrowTypeId.String, ArrowTypeId.Struct], batch.Schema.FieldsList.Select(field => field.DataType.TypeId));
        var meta = (StructArray)batch.Column(2);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], Enumerable.Range(0, 2).Select(i => ((StringArray)meta.Fields[0]).GetString(i)));
    }

    [Fact]
    public async Task Maps_every_engine_type_to_its_Arrow_type()
    {
        using var batch = Assert.Single(await QueryFiles.RunAsync(
            """
            SELECT 1::TINYINT AS tiny, 2::SMALLINT AS small, 3::INTEGER AS int, 4::BIGINT AS big, 4000000000::UINTEGER AS uint,
                   18446744073709551615::UBIGINT AS ubig, sum(x) AS total, 1.5::FLOAT AS f, 2.5::DOUBLE AS d,
                   12.345::DECIMAL(18,3) AS dec, 1234567890123456789012345.5::DECIMAL(38,1) AS wide, 'text' AS s, 'b'::BLOB AS blob, true AS flag,
                   DATE '2024-05-01' AS day, TIME '12:34:56.5' AS t, TIMESTAMP '2024-05-01 12:00:00' AS ts,
                   TIMESTAMPTZ '2024-05-01 12:00:00+02' AS tz, TIMESTAMP_NS '2024-05-01 12:00:00.123456789' AS ns,
                   INTERVAL 36 HOUR AS span, '5b2c5c36-5e3e-4f0e-8f43-2b2a1c9a0c3e'::UUID AS id, NULL::UUID AS no_id,
                   [1, 2, NULL] AS list, {'a': 1, 'b': 'x'} AS rec, 'a'::ENUM('a', 'b') AS e, NULL::INTEGER AS nothing
            FROM (VALUES (1), (2)) v(x)
            """,
            files.Sandbox()));

        Assert.Equal(
            [
                ArrowTypeId.Int8, ArrowTypeId.Int16, ArrowTypeId.Int32, ArrowTypeId.Int64, ArrowTypeId.UInt32,
                ArrowTypeId.UInt64, ArrowTypeId.Decimal128, ArrowTypeId.Float, ArrowTypeId.Double,
                ArrowTypeId.Decimal128, ArrowTypeId.Decimal128, ArrowTypeId.String, ArrowTypeId.Binary, ArrowTypeId.Boolean,
                ArrowTypeId.Date32, ArrowTypeId.Time64, ArrowTypeId.Timestamp,
                ArrowTypeId.Timestamp, ArrowTypeId.Timestamp,
                ArrowTypeId.Interval, ArrowTypeId.Extension, ArrowTypeId.Extension,
                ArrowTypeId.List, ArrowTypeId.Struct, ArrowTypeId.Dictionary, ArrowTypeId.Int32,
            ],
            batch.Schema.FieldsList.Select(field => field.DataType.TypeId));
        var row = ArrowValues.Row(batch, 0);
        Assert.Equal(18446744073709551615UL, row[5]);
        Assert.Equal(3m, row[6]);
        Assert.Equal(12.345m, row[9]);
        Assert.Equal((38, 1), batch.Schema.FieldsList[10].DataType is Decimal128Type wide ? (wide.Precision, wide.Scale) : default);
        Assert.Equal(new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc), row[17]);
        Assert.Equal(TimeUnit.Nanosecond, ((TimestampType)batch.Schema.FieldsList[18].DataType).Unit);
        Assert.Equal(Guid.Parse("5b2c5c36-5e3e-4f0e-8f43-2b2a1c9a0c3e"), row[20]);
        Assert.Equal("arrow.uuid", ((GuidType)batch.Schema.FieldsList[20].DataType).Name);
        Assert.Null(row[21]);
        Assert.Equal(new TimeOnly(12, 34, 56, 500), row[15]);
        Assert.Equal([1L, 2L, null], (object?[])row[22]!);
        Assert.Equal([1L, "x"], (object?[])row[23]!);
        Assert.Equal("a", row[24]);
        Assert.Null(row[25]);
    }

    [Fact]
    public async Task A_result_without_rows_still_yields_one_batch_with_its_columns()
    {
        using var batch = Assert.Single(await QueryFiles.RunAsync(
            $"SELECT id, name FROM '{files.Data}/people.csv' WHERE id > 100",
            files.Sandbox()));

        Assert.Equal(0, batch.Length);
        Assert.Equal(["id", "name"], batch.Schema.FieldsList.Select(field => field.Name));
        Assert.Equal(0, batch.Column(0).Length);
    }

    [Fact]
    public async Task EXPLAIN_DESCRIBE_SUMMARIZE_and_other_reading_forms_run()
    {
        Assert.NotEmpty(await QueryFiles.RowsAsync($"EXPLAIN SELECT * FROM '{files.Data}/people.csv'", files.Sandbox()));
        Assert.NotEmpty(await QueryFiles.RowsAsync($"EXPLAIN ANALYZE SELECT * FROM '{files.Data}/people.csv'", files.Sandbox()));
        Assert.NotEmpty(await QueryFiles.RowsAsync($"EXPLAIN (FORMAT json) SELECT * FROM '{files.Data}/people.csv'", files.Sandbox()));
        Assert.Equal(5, (await QueryFiles.RowsAsync($"DESCRIBE SELECT * FROM '{files.Data}/people.csv'", files.Sandbox())).Count);
        Assert.Equal(5, (await QueryFiles.RowsAsync($"SUMMARIZE SELECT * FROM '{files.Data}/people.csv'", files.Sandbox())).Count);
        Assert.Equal(3, (await QueryFiles.RowsAsync($"FROM '{files.Data}/people.csv'", files.Sandbox())).Count);
        Assert.Equal(2, (await QueryFiles.RowsAsync("(SELECT 1) UNION ALL (SELECT 2)", files.Sandbox())).Count);
        Assert.Equal(2, (await QueryFiles.RowsAsync("WITH t AS (SELECT 1 AS x) SELECT x FROM t UNION ALL VALUES (2)", files.Sandbox())).Count);
        Assert.Single(await QueryFiles.RowsAsync("SELECT * FROM pragma_version()", files.Sandbox()));
    }

    [Fact]
    public async Task Batches_hold_one_engine_chunk_each_and_keep_the_order()
    {
        var batches = await QueryFiles.RunAsync($"SELECT * FROM range(5000) t(id) ORDER BY id", files.Sandbox());

        Assert.Equal([2048, 2048, 904], batches.Select(batch => batch.Length));
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), batches.SelectMany(batch => ((Int64Array)batch.Column(0)).Values.ToArray()));
        batches.ForEach(batch => batch.Dispose());
    }

    [Fact]
    public async Task Views_of_the_sandbox_let_a_query_name_a_source()
    {
        var sandbox = files.Sandbox() with
        {
            Views = new Dictionary<string, string>
            {
                ["people"] = $"SELECT * FROM read_csv('{files.Data}/people.csv')",
                ["Sales Parts"] = $"SELECT * FROM read_parquet('{files.Data}/parts/*.parquet')",
            },
        };

        var rows = await QueryFiles.RowsAsync("SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM \"Sales Parts\")", sandbox);

        Assert.Equal([[3L, 300L]], rows);
    }

    [Fact]
    public async Task A_view_over_another_view_works_whichever_comes_first()
    {
        var sandbox = files.Sandbox() with
        {
            Views = new Dictionary<string, string>
            {
                ["adults"] = "SELECT * FROM people WHERE score > 1",
                ["people"] = $"SELECT * FROM read_csv('{files.Data}/people.csv')",
                ["adult_count"] = "SELECT count(*) AS n FROM adults",
            },
        };

        var rows = await QueryFiles.RowsAsync("SELECT n FROM adult_count", sandbox);

        Assert.Equal((await QueryFiles.RowsAsync($"SELECT count(*) FROM read_csv('{files.Data}/people.csv') WHERE score > 1", files.Sandbox()))[0][0], rows[0][0]);
    }

    [Fact]
    public async Task A_view_over_a_missing_name_fails_the_query_naming_the_view()
    {
        var sandbox = files.Sandbox() with { Views = new Dictionary<string, string> { ["broken"] = "SELECT * FROM nowhere" } };

        var failure = await QueryFiles.FailsAsync("SELECT 1", sandbox, EngineFailureKind.Sql);

        Assert.Contains("View 'broken' could not be created", failure.Message, StringComparison.Ordinal);
        Assert.Contains("nowhere", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')")]
    [InlineData("COPY (SELECT 1) TO '{data}/from-a-view.csv'")]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("SELECT * FROM enable_logging()")]
    public async Task A_view_goes_through_the_same_checks_as_a_query(string select)
    {
        var sandbox = files.Sandbox() with { Views = new Dictionary<string, string> { ["v"] = select.Replace("{data}", files.Data, StringComparison.Ordinal) } };

        await QueryFiles.FailsAsync("SELECT * FROM v", sandbox, EngineFailureKind.Permission);
        Assert.False(File.Exists(Path.Combine(files.Data, "from-a-view.csv")));
    }

    [Fact]
    public async Task Queries_run_side_by_side_each_in_its_own_database()
    {
        // Each query has its own view "v" naming its own factor: in a shared database the views would collide.
        var queries = Enumerable.Range(1, 4)
            .Select(n => QueryFiles.RowsAsync(
                "SELECT sum(i) * (SELECT n FROM v) FROM range(1000000) t(i)",
                files.Sandbox() with { Views = new Dictionary<string, string> { ["v"] = $"SELECT {n} AS n" } }))
            .ToArray();

        var results = await Task.WhenAll(queries);

        Assert.Equal(
            Enumerable.Range(1, 4).Select(n => (object?)(499999500000m * n)),
            results.Select(rows => rows.Single()[0]));
    }
}
