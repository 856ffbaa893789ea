using OrleansHa.Sql;

namespace OrleansHa.Engine.Tests;

/// <summary>Which queries count as reads for auto-resubmission (the sandbox's first-word check, shared).</summary>
public sealed class SqlTextTests
{
    [Theory]
    [InlineData("SELECT 1")]
    [InlineData("  -- comment\n/* block /* nested */ */ select 1")]
    [InlineData("((SELECT 1)) UNION (SELECT 2);")]
    [InlineData("WITH x AS (SELECT 1) SELECT * FROM x")]
    [InlineData("FROM t SELECT a")]
    [InlineData("VALUES (1), (2)")]
    [InlineData("EXPLAIN ANALYZE SELECT 1")]
    [InlineData("DESCRIBE t")]
    [InlineData("SELECT 'a; DROP TABLE t' AS s")]
    public void Reads(string sql) => Assert.True(SqlText.IsRead(sql));

    [Theory]
    [InlineData("INSERT INTO t VALUES (1)")]
    [InlineData("COPY t TO 'x'")]
    [InlineData("EXPLAIN EXPORT DATABASE 'd'")]
    [InlineData("CREATE TABLE t AS SELECT 1")]
    [InlineData("SELECT 1; DELETE FROM t")]
    [InlineData("PRAGMA version")]
    [InlineData("-- nothing but a comment")]
    [InlineData("")]
    public void Does_not_read(string sql) => Assert.False(SqlText.IsRead(sql));
}
