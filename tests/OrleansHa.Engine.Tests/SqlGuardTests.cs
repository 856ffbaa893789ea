namespace OrleansHa.Engine.Tests;

public sealed class SqlGuardTests
{
    [Theory]
    [InlineData("SELECT * FROM enable_logging()", "enable_logging")]
    [InlineData("select * from ENABLE_LOGGING (storage := 'file')", "enable_logging")]
    [InlineData("SELECT * FROM \"Enable_Logging\"()", "enable_logging")]
    [InlineData("SELECT * FROM system.main.enable_profiling()", "enable_profiling")]
    [InlineData("SELECT * FROM enable_logging/* a /* nested */ comment */()", "enable_logging")]
    [InlineData("SELECT * FROM enable_logging -- comment\n ()", "enable_logging")]
    [InlineData("SELECT * FROM query('SELECT 1')", "query")]
    [InlineData("SELECT 'it''s' AS a, * FROM json_execute_serialized_sql('x')", "json_execute_serialized_sql")]
    [InlineData("SELECT $$ $$, * FROM truncate_duckdb_logs()", "truncate_duckdb_logs")]
    [InlineData("SELECT E'\\'', * FROM disable_logging()", "disable_logging")]
    public void Finds_a_forbidden_call(string sql, string name) => Assert.Equal(name, SqlGuard.FindForbiddenCall(sql));

    [Theory]
    [InlineData("SELECT 'enable_logging()' AS s")]
    [InlineData("SELECT $tag$ query( $tag$ AS s")]
    [InlineData("SELECT E'\\' query(' AS s")]
    [InlineData("SELECT 1 -- enable_logging()")]
    [InlineData("SELECT 1 /* query() */")]
    [InlineData("SELECT query, \"query\" FROM t")]
    [InlineData("SELECT my_query(1), query_count FROM t")]
    [InlineData("SELECT $1, $name FROM range(3)")]
    public void Leaves_names_in_strings_comments_and_columns_alone(string sql) => Assert.Null(SqlGuard.FindForbiddenCall(sql));

    [Theory]
    [InlineData("SELECT 1")]
    [InlineData("  -- comment\n/* block */ select 1")]
    [InlineData("((SELECT 1)) UNION (SELECT 2)")]
    [InlineData("FROM t SELECT a")]
    [InlineData("WITH x AS (SELECT 1) SELECT * FROM x")]
    [InlineData("VALUES (1), (2)")]
    [InlineData("EXPLAIN SELECT 1")]
    [InlineData("EXPLAIN ANALYZE SELECT 1")]
    [InlineData("EXPLAIN (FORMAT json, (nested)) SELECT 1")]
    [InlineData("EXPLAIN ANALYZE (SELECT 1)")]
    [InlineData("DESCRIBE SELECT 1")]
    [InlineData("SUMMARIZE t")]
    [InlineData("SHOW TABLES")]
    [InlineData("-- only a comment")]
    public void A_reading_start_is_fine(string sql) => Assert.Null(SqlGuard.FindNonReadingStart(sql));

    [Theory]
    [InlineData("COPY t TO 'x'", "COPY")]
    [InlineData("/* x */ export DATABASE 'd'", "export")]
    [InlineData("EXPLAIN EXPORT DATABASE 'd'", "EXPORT")]
    [InlineData("EXPLAIN ANALYZE (COPY t TO 'x')", "COPY")]
    [InlineData("EXPLAIN (ANALYZE) COPY t TO 'x'", "COPY")]
    [InlineData("(ATTACH 'x')", "ATTACH")]
    [InlineData("PRAGMA version", "PRAGMA")]
    [InlineData("SET threads = 1", "SET")]
    [InlineData("\"SELECT\" 1", "SELECT")]
    [InlineData("'SELECT'", "'SELECT'")]
    public void A_start_that_does_not_read_is_found(string sql, string start) => Assert.Equal(start, SqlGuard.FindNonReadingStart(sql));
}
