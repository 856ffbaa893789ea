using OrleansHa.Abstractions.Query;
using Xunit.Abstractions;
using OrleansHa.Sql;

namespace OrleansHa.Client.Tests;

/// <summary>
/// Generated query text (FsCheck), random and mutated from real queries full of comments, literals and quoted names,
/// through the SQL scanner's public members only: each input gets an answer, never an exception or a hang, and the
/// answers agree (a read has no non-reading start).
/// </summary>
public sealed class SqlTextPropertyTests(ITestOutputHelper output)
{
    private const string Alphabet = "'\"$-/*();,.\n\t\\ eEselctfromwihxplaindCOPYATTACH_0123456789ä";

    private static readonly string[] Samples =
    [
        "SELECT 1",
        "  -- comment\n/* block /* nested */ */ select 'it''s' AS \"quoted \"\" name\" FROM t",
        "WITH x AS (SELECT E'\\'' AS a, $tag$ body ; DROP $tag$ AS b) SELECT * FROM x;",
        "EXPLAIN (FORMAT json) SELECT * FROM read_csv('/data/a.csv') WHERE b <> $$x$$",
        "COPY (SELECT 1) TO '/tmp/x.csv'; SELECT 2",
        "((SELECT 1)) UNION ALL (VALUES (2)) -- trailing",
    ];

    [Fact]
    public void The_scanner_answers_every_text_and_its_answers_agree()
    {
        output.WriteLine(Fuzz.Check("SQL text", Fuzz.Text(Samples, Alphabet), 5000, sql =>
        {
            bool read = SqlText.IsRead(sql);
            string? start = SqlText.FindNonReadingStart(sql);
            Assert.NotNull(SqlText.NamesIn(sql));
            Assert.True(!read || start is null, $"a read with the non-reading start '{start}'");
            return read ? "reads" : start is null ? "not reads (none or several statements)" : "not reads (a word that does not read first)";
        }));
    }
}
