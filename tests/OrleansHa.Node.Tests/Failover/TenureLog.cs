using System.Globalization;
using System.Text.RegularExpressions;
using OrleansHa.Testing;

namespace OrleansHa.Node.Tests.Failover;

/// <summary>
/// The tenures the nodes logged (<c>TENURE START/END epoch=.. node=.. at=..</c>), in epoch order. A tenure whose silo
/// its supervisor killed (<c>SUPERVISOR killing silo ... at=..</c>) ended then: a dead process writes nothing.
/// </summary>
internal static partial class TenureLog
{
    public static List<Tenure> Read(IEnumerable<NodeProcess> nodes)
    {
        var byEpoch = new Dictionary<long, Tenure>();
        foreach (NodeProcess node in nodes)
        {
            ReadNode(node.Lines, byEpoch);
        }

        return [.. byEpoch.Values.OrderBy(t => t.Epoch)];
    }

    private static void ReadNode(IReadOnlyList<string> lines, Dictionary<long, Tenure> byEpoch)
    {
        long? open = null;
        foreach (string line in lines)
        {
            Match killed = SupervisorKill().Match(line);
            if (killed.Success && open is { } running && byEpoch[running].End is null)
            {
                byEpoch[running] = byEpoch[running] with { End = DateTimeOffset.Parse(killed.Groups["at"].Value, CultureInfo.InvariantCulture) };
                open = null;
                continue;
            }

            Match match = TenureLine().Match(line);
            if (!match.Success)
            {
                continue;
            }

            long epoch = long.Parse(match.Groups["epoch"].Value, CultureInfo.InvariantCulture);
            var at = DateTimeOffset.Parse(match.Groups["at"].Value, CultureInfo.InvariantCulture);
            Tenure tenure = byEpoch.GetValueOrDefault(epoch) ?? new Tenure(epoch, match.Groups["node"].Value, at, null);
            Assert.Equal(tenure.Node, match.Groups["node"].Value);
            bool start = match.Groups["kind"].Value == "START";
            byEpoch[epoch] = start ? tenure with { Start = at } : tenure with { End = at };
            open = start ? epoch : null;
        }
    }

    [GeneratedRegex(@"TENURE (?<kind>START|END) epoch=(?<epoch>\d+) node=(?<node>\S+) at=(?<at>\S+)")]
    private static partial Regex TenureLine();

    [GeneratedRegex(@"SUPERVISOR killing silo pid=\d+ at=(?<at>\S+):")]
    private static partial Regex SupervisorKill();

    internal sealed record Tenure(long Epoch, string Node, DateTimeOffset Start, DateTimeOffset? End);
}
