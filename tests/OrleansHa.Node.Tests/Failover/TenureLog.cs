using System.Globalization;
using System.Text.RegularExpressions;
using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>The tenures the nodes logged (<c>TENURE START/END epoch=.. node=.. at=..</c>), in epoch order.</summary>
internal static partial class TenureLog
{
    public static List<Tenure> Read(IEnumerable<NodeProcess> nodes)
    {
        var byEpoch = new Dictionary<long, Tenure>();
        foreach (string line in nodes.SelectMany(n => n.Lines))
        {
            Match match = TenureLine().Match(line);
            if (!match.Success)
            {
                continue;
            }

            long epoch = long.Parse(match.Groups["epoch"].Value, CultureInfo.InvariantCulture);
            var at = DateTimeOffset.Parse(match.Groups["at"].Value, CultureInfo.InvariantCulture);
            Tenure tenure = byEpoch.GetValueOrDefault(epoch) ?? new Tenure(epoch, match.Groups["node"].Value, at, null);
            Assert.Equal(tenure.Node, match.Groups["node"].Value);
            byEpoch[epoch] = match.Groups["kind"].Value == "START"
                ? tenure with { Start = at }
                : tenure with { End = at };
        }

        return [.. byEpoch.Values.OrderBy(t => t.Epoch)];
    }

    [GeneratedRegex(@"TENURE (?<kind>START|END) epoch=(?<epoch>\d+) node=(?<node>\S+) at=(?<at>\S+)")]
    private static partial Regex TenureLine();

    internal sealed record Tenure(long Epoch, string Node, DateTimeOffset Start, DateTimeOffset? End);
}
