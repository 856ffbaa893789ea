using OrleansHa.Abstractions.Query;
using OrleansHa.Grains.Query.Engine;

namespace OrleansHa.Grains.Tests.Query;

public sealed class SandboxedDuckDbReadTests(QueryFiles files) : IClassFixture<QueryFiles>
{
    [Fact]
    public async Task Reads_a_CSV_file_in_the_allowed_directory_with_its_types_and_nulls()
    {
        var batches = await QueryFiles.RunAsync(
            $"SELECT id, name, score, born, active FROM read_csv('{files.Data}/people.csv') ORDER BY id",
            files.Sandbox());

        var batch = Assert.Single(batches);
        Assert.Equal(
            [new("id", ResultType.Integer), new("name", ResultType.String), new("score", ResultType.Double), new("born", ResultType.Date), new("active", ResultType.Boolean)],
            batch.Columns);
        Assert.Equal(3, batch.RowCount);
        Assert.Equal([1L, 2L, 3L], batch.Vectors[0].Integers!.Cast<long>());
        Assert.Equal(new string?[] { "Ada", "Alan", "Grace" }, batch.Vectors[1].Strings!);
        Assert.Equal([9.5, null, 8.25], batch.Vectors[2].Doubles!);
        Assert.True(batch.Vectors[2].IsNull(1));
        Assert.Equal(new DateTime(1815, 12, 10), batch.GetValue(0, 3));
        Assert.Equal([true, false, true], batch.Vectors[4].Booleans!.Cast<bool>());
        Assert.Equal([2L, "Alan", null, new DateTime(1912, 6, 23), false], batch.GetRow(1));
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
        var batch = Assert.Single(await QueryFiles.RunAsync($"SELECT * FROM '{files.Data}/sales.parquet' LIMIT 1", files.Sandbox()));

        Assert.Equal(
            [ResultType.Integer, ResultType.Decimal, ResultType.Double, ResultType.Date, ResultType.Timestamp, ResultType.String, ResultType.Binary],
            batch.Columns.Select(column => column.Type));
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
    public async Task Reads_a_JSON_file_with_a_nested_object_as_Other()
    {
        var batch = Assert.Single(await QueryFiles.RunAsync(
            $"SELECT id, kind, meta FROM read_json('{files.Data}/events.json') ORDER BY id",
            files.Sandbox()));

        Assert.Equal([ResultType.Integer, ResultType.String, ResultType.Other], batch.Columns.Select(column => column.Type));
        Assert.Equal([1L, "login", "{ip: 10.0.0.1}"], batch.GetRow(0));
        Assert.Equal([2L, "logout", "{ip: 10.0.0.2}"], batch.GetRow(1));
    }

    [Fact]
    public async Task Maps_the_engine_types_without_a_file()
    {
        var batch = Assert.Single(await QueryFiles.RunAsync(
            """
            SELECT 1::TINYINT AS tiny, 4000000000::UINTEGER AS uint, 18446744073709551615::UBIGINT AS ubig,
                   sum(x) AS total, 1.5::FLOAT AS f, 12.345::DECIMAL(18,3) AS d,
                   TIMESTAMPTZ '2024-05-01 12:00:00+02' AS tz, TIMESTAMP_NS '2024-05-01 12:00:00.123456789' AS ns,
                   'a'::ENUM('a', 'b') AS e, [1, 2, NULL] AS list, INTERVAL 36 HOUR AS span,
                   '5b2c5c36-5e3e-4f0e-8f43-2b2a1c9a0c3e'::UUID AS id, NULL::INTEGER AS nothing
            FROM (VALUES (1), (2)) v(x)
            """,
            files.Sandbox()));

        Assert.Equal(
            [
                ResultType.Integer, ResultType.Integer, ResultType.Decimal, ResultType.Decimal, ResultType.Double,
                ResultType.Decimal, ResultType.Timestamp, ResultType.Timestamp, ResultType.String, ResultType.Other,
                ResultType.Other, ResultType.Other, ResultType.Integer,
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
    }

    [Fact]
    public async Task A_value_that_cannot_be_returned_fails_with_the_column_and_a_way_out()
    {
        var failure = await QueryFiles.FailsAsync(
            "SELECT 12345678901234567890123456789012.5::DECIMAL(38,1) AS wide",
            files.Sandbox(),
            QueryFailureKind.Sql);

        Assert.Contains("'wide'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Cast it to VARCHAR", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_result_without_rows_still_yields_one_batch_with_its_columns()
    {
        var batch = Assert.Single(await QueryFiles.RunAsync(
            $"SELECT id, name FROM '{files.Data}/people.csv' WHERE id > 100",
            files.Sandbox()));

        Assert.Equal(0, batch.RowCount);
        Assert.Equal(["id", "name"], batch.Columns.Select(column => column.Name));
        Assert.Empty(batch.Rows());
        Assert.Equal(0, batch.Vectors[0].Length);
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
    public async Task Batches_hold_at_most_the_batch_size_and_keep_the_order()
    {
        var batches = await QueryFiles.RunAsync($"SELECT id FROM '{files.Data}/sales.parquet' ORDER BY id", files.Sandbox(batchSize: 300));

        Assert.Equal([300, 300, 300, 100], batches.Select(batch => batch.RowCount));
        Assert.All(batches, batch => Assert.Equal(batch.RowCount, batch.Vectors[0].Length));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (object?)(long)i), batches.SelectMany(batch => batch.Rows()).Select(row => row[0]));
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

        var failure = await QueryFiles.FailsAsync("SELECT 1", sandbox, QueryFailureKind.Sql);

        Assert.Contains("View 'broken' could not be created", failure.Message, StringComparison.Ordinal);
        Assert.Contains("nowhere", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_without_files_fails_only_the_queries_that_read_it()
    {
        string empty = Directory.CreateTempSubdirectory("orleans-ha-empty-source-").FullName;
        try
        {
            var sandbox = files.Sandbox() with
            {
                AllowedDirectories = [files.Data, empty],
                Views = OrleansHa.Grains.Query.SourceViews.For([new("people", files.Data), new("pending", empty)], []),
            };

            var rows = await QueryFiles.RowsAsync("SELECT 1::BIGINT", sandbox);
            Assert.Equal([[1L]], rows);
            var failure = await QueryFiles.FailsAsync("SELECT * FROM pending", sandbox, QueryFailureKind.Sql);
            Assert.Contains($"Source directory {empty} holds no .parquet, .csv or .json file.", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')")]
    [InlineData("COPY (SELECT 1) TO '{data}/from-a-view.csv'")]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("SELECT * FROM enable_logging()")]
    public async Task A_view_goes_through_the_same_checks_as_a_query(string select)
    {
        var sandbox = files.Sandbox() with { Views = new Dictionary<string, string> { ["v"] = select.Replace("{data}", files.Data, StringComparison.Ordinal) } };

        await QueryFiles.FailsAsync("SELECT * FROM v", sandbox, QueryFailureKind.Permission);
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
