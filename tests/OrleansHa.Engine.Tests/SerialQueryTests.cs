namespace OrleansHa.Engine.Tests;

/// <summary>Tests that measure time or process memory run alone, not beside other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialQueryTests : ICollectionFixture<QueryFiles>
{
    public const string Name = "Query engine, timed";
}
