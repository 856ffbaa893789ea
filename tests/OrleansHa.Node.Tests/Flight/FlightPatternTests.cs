using OrleansHa.Node.Flight;

namespace OrleansHa.Node.Tests.Flight;

/// <summary>Flight SQL's filter patterns for catalog commands: <c>%</c>, <c>_</c> and <c>\</c> escapes, nothing else special.</summary>
public sealed class FlightPatternTests
{
    [Theory]
    [InlineData(null, "anything", true)]
    [InlineData("%", "", true)]
    [InlineData("peo%", "people", true)]
    [InlineData("peo%", "apeople", false)]
    [InlineData("p_ople", "people", true)]
    [InlineData("p_ople", "pople", false)]
    [InlineData("sales\\_2024", "sales_2024", true)]
    [InlineData("sales\\_2024", "salesX2024", false)]
    [InlineData("a.b", "axb", false)]
    [InlineData("(x)*", "(x)*", true)]
    [InlineData("PEOPLE", "people", false)]
    public void Patterns_match_as_the_specification_says(string? pattern, string name, bool matches) =>
        Assert.Equal(matches, FlightSqlCatalog.Like(pattern, name));
}
