using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Grains.Query;

namespace OrleansHa.Grains.Tests.Query;

/// <summary>A query's sandbox gets the views for the names it uses, and what those views use in turn.</summary>
public sealed class SourceViewsTests
{
    private static readonly SourceInfo[] Sources = [new("sales", "/nowhere/sales"), new("people", "/nowhere/people")];

    private static readonly ViewInfo[] Views =
    [
        new("big_sales", "SELECT * FROM sales WHERE amount > 100", 1),
        new("big_sales_by_region", "SELECT region, count(*) FROM big_sales GROUP BY region", 1),
        new("unused", "SELECT * FROM people", 1),
    ];

    [Fact]
    public void Only_the_names_a_query_uses_and_their_dependencies_are_created()
    {
        IReadOnlyDictionary<string, string> views = SourceViews.For(Sources, Views, "SELECT * FROM BIG_SALES_BY_REGION -- people\nWHERE region <> 'unused'");

        Assert.Equal(["big_sales", "big_sales_by_region", "sales"], views.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("/nowhere/sales", views["sales"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_quoted_name_counts_and_no_sql_means_the_whole_catalog()
    {
        Assert.Equal(["people"], SourceViews.For(Sources, Views, "SELECT count(*) FROM \"people\"").Keys);
        Assert.Empty(SourceViews.For(Sources, Views, "SELECT 1"));
        Assert.Equal(5, SourceViews.For(Sources, Views).Count);
    }

    [Fact]
    public async Task A_source_without_files_fails_only_the_queries_that_read_it()
    {
        string empty = Directory.CreateTempSubdirectory("orleans-ha-empty-source-").FullName;
        try
        {
            var sandbox = EngineQueries.Sandbox(empty) with { Views = SourceViews.For([new("pending", empty)], []) };

            Assert.Equal([[1L]], (await EngineQueries.ListAsync("SELECT 1::BIGINT", sandbox)).SelectMany(batch => batch.Rows()));
            var failure = await Assert.ThrowsAsync<QueryFailedException>(() => EngineQueries.ListAsync("SELECT * FROM pending", sandbox));
            Assert.Equal(QueryFailureKind.Sql, failure.Kind);
            Assert.Contains($"Source directory {empty} holds no .parquet, .csv or .json file.", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
