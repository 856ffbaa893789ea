using System.Globalization;
using System.Text.RegularExpressions;
namespace OrleansHa.Testing;

/// <summary>
/// The tenures the nodes logged (<c>TENURE START/END epoch=.. node=.. at=..</c>), in epoch order. A tenure whose silo
/// its supervisor killed (<c>SUPERVISOR killing silo ... at=..</c>) ended then: a dead process writes nothing.
/// </summary>
public static partial class TenureLog
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
            if (tenure.Node != match.Groups["node"].Value)
            {
                throw new InvalidOperationException($"epoch {epoch} is logged by both {tenure.Node} and {match.Groups["node"].Value}: {line}");
            }

            bool start = match.Groups["kind"].Value == "START";
            byEpoch[epoch] = start ? tenure with { Start = at } : tenure with { End = at };
            open = start ? epoch : null;
        }
    }

    [GeneratedRegex(@"TENURE (?<kind>START|END) epoch=(?<epoch>\d+) node=(?<node>\S+) at=(?<at>\S+)")]
    private static partial Regex TenureLine();

    [GeneratedRegex(@"SUPERVISOR killing silo pid=\d+ at=(?<at>\S+):")]
    private static partial Regex SupervisorKill();

    /// <summary>
    /// Every way the tenures break the invariant (epochs of acting masters only grow; a tenure starts only after the one
    /// before it ended, or its process was killed at <paramref name="killedAt"/>), one sentence each; empty when they hold.
    /// </summary>
    public static List<string> Overlaps(IEnumerable<NodeProcess> nodes, IReadOnlyDictionary<long, DateTimeOffset>? killedAt = null)
    {
        List<Tenure> tenures = Read(nodes);
        var broken = new List<string>();
        for (int i = 1; i < tenures.Count; i++)
        {
            Tenure previous = tenures[i - 1];
            Tenure next = tenures[i];
            DateTimeOffset? previousEnd = previous.End ?? killedAt?.GetValueOrDefault(previous.Epoch);
            if (next.Epoch <= previous.Epoch)
            {
                broken.Add($"epoch {next.Epoch} on {next.Node} follows epoch {previous.Epoch}");
            }
            else if (previousEnd is null)
            {
                broken.Add($"epoch {previous.Epoch} on {previous.Node} never ended, yet epoch {next.Epoch} started");
            }
            else if (next.Start < previousEnd)
            {
                broken.Add($"epoch {next.Epoch} started at {next.Start:O}, before epoch {previous.Epoch} ended at {previousEnd:O}");
            }
        }

        return broken;
    }

    public sealed record Tenure(long Epoch, string Node, DateTimeOffset Start, DateTimeOffset? End);
}
