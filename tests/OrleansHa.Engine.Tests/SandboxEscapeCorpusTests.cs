using System.Runtime.CompilerServices;

namespace OrleansHa.Engine.Tests;

/// <summary>
/// The escape corpus (<c>SandboxEscapes.tsv</c>, kept as data so that attempts are added without code): each attempt
/// is refused or stopped with the kind of failure it names, and the engine still answers a plain query afterwards.
/// </summary>
[Collection(SerialQueryTests.Name)]
public sealed class SandboxEscapeCorpusTests(QueryFiles files)
{
    public static TheoryData<string, string> Attempts() => Corpus();

    [Fact]
    public void The_corpus_holds_at_least_50_attempts() => Assert.True(Corpus().Count >= 50, $"{Corpus().Count} attempts");

    [Theory]
    [MemberData(nameof(Attempts))]
    public async Task Each_escape_attempt_is_refused_or_stopped_and_the_engine_stays_usable(string expected, string attempt)
    {
        string sql = attempt.Replace("{data}", files.Data, StringComparison.Ordinal).Replace("{outside}", files.Outside, StringComparison.Ordinal);
        EngineFailureKind[] kinds = expected.Split('|').Select(Enum.Parse<EngineFailureKind>).ToArray();

        var failure = await Assert.ThrowsAsync<EngineException>(() => QueryFiles.RunAsync(sql, files.Sandbox(TimeSpan.FromSeconds(2), "64MB")));

        Assert.True(kinds.Contains(failure.Kind), $"expected {expected}, got {failure.Kind}: {failure.Message}");
        Assert.False(string.IsNullOrWhiteSpace(failure.Message));
        Assert.False(File.Exists(Path.Combine(files.Outside, "out.csv")), "a write outside got through");
        Assert.False(File.Exists(Path.Combine(files.Data, "out.csv")), "a write into the source got through");
        object? answer = Assert.Single(Assert.Single(await QueryFiles.RowsAsync("SELECT 42::INTEGER", files.Sandbox())));
        Assert.Equal("42", Convert.ToString(answer, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static TheoryData<string, string> Corpus([CallerFilePath] string here = "")
    {
        var data = new TheoryData<string, string>();
        foreach (string line in File.ReadLines(Path.Combine(Path.GetDirectoryName(here)!, "SandboxEscapes.tsv")))
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                string[] columns = line.Split('\t', 2);
                data.Add(columns[0], columns[1]);
            }
        }

        return data;
    }
}
