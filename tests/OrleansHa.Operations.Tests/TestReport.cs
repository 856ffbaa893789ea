using Xunit.Abstractions;

namespace OrleansHa.Operations.Tests;

/// <summary>Figures a test prints: into its result (the .trx) and onto the test run's console, where CI's log shows them.</summary>
internal static class TestReport
{
    public static void Line(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        Console.Error.WriteLine(line);
    }
}
