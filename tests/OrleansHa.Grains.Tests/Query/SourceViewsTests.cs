using OrleansHa.Abstractions;
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
}
