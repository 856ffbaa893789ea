namespace OrleansHa.Grains.Query;

/// <summary>Where jobs keep their results (<c>paths.dist</c>): a shared path, so any coordinator can page any job.</summary>
public sealed class QueryOptions
{
    public string PathsDist { get; set; } = Path.Combine(Path.GetTempPath(), "orleans-ha", "dist");
}
