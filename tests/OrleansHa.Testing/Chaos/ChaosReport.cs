using System.Globalization;
using System.Text;

namespace OrleansHa.Testing.Chaos;

/// <summary>What a chaos soak measured: per fault kind the time to a master serving writes again, and the counts that must be zero.</summary>
public sealed class ChaosReport
{
    private readonly Dictionary<ChaosFault, List<TimeSpan>> _recoveries = [];

    /// <summary>Acknowledged catalog writes that could not be read back at the end.</summary>
    public int WritesLost { get; set; }

    public int WritesAcknowledged { get; set; }

    /// <summary>Tenures that overlapped or went backwards, from the nodes' TENURE lines, one sentence each.</summary>
    public List<string> Overlaps { get; } = [];

    /// <summary>Calls (REST or grain client) that took longer than <see cref="ChaosSoak.HungCallBound"/>.</summary>
    public int HungCalls { get; set; }

    public int QueriesRun { get; set; }

    public int QueriesFailed { get; set; }

    public int QueriesResubmitted { get; set; }

    /// <summary>Faults after which a master did not serve writes within the soak's patience.</summary>
    public List<string> Unrecovered { get; } = [];

    public IReadOnlyDictionary<ChaosFault, List<TimeSpan>> Recoveries => _recoveries;

    public void AddRecovery(ChaosFault fault, TimeSpan recovery)
    {
        if (!_recoveries.TryGetValue(fault, out List<TimeSpan>? list))
        {
            _recoveries[fault] = list = [];
        }

        list.Add(recovery);
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine("fault kind                     count   p50 ms   p99 ms   max ms   (time from the fault to the first write a master acknowledged)");
        foreach ((ChaosFault fault, List<TimeSpan> times) in _recoveries.OrderBy(r => r.Key))
        {
            double[] ms = [.. times.Select(t => t.TotalMilliseconds).Order()];
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{fault,-30} {ms.Length,5} {Percentile(ms, 0.50),8:0} {Percentile(ms, 0.99),8:0} {ms[^1],8:0}"));
        }

        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"writes acknowledged {WritesAcknowledged}, lost {WritesLost}"));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"overlapping tenures {Overlaps.Count}{(Overlaps.Count > 0 ? ": " + string.Join("; ", Overlaps) : string.Empty)}"));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"calls hung past {ChaosSoak.HungCallBound.TotalSeconds:0} s: {HungCalls}"));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"queries run {QueriesRun}, failed {QueriesFailed}, resubmitted {QueriesResubmitted}"));
        text.Append(string.Create(CultureInfo.InvariantCulture, $"faults not recovered from {Unrecovered.Count}{(Unrecovered.Count > 0 ? ": " + string.Join("; ", Unrecovered) : string.Empty)}"));
        return text.ToString();
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>The faults a soak injects.</summary>
public enum ChaosFault
{
    /// <summary>SIGKILL of the active master's silo.</summary>
    MasterKilled,

    /// <summary>SIGSTOP of the active master's silo (it keeps the lock until its supervisor kills it).</summary>
    MasterHung,

    /// <summary>The active master cut from every ZooKeeper member.</summary>
    MasterCutFromZooKeeper,

    /// <summary>The active master cut from the other silos, still reaching ZooKeeper.</summary>
    MasterCutFromSilos,

    /// <summary>The standby cut from ZooKeeper: no failover.</summary>
    StandbyCutFromZooKeeper,

    /// <summary>The grain client cut from the master's gateway: no failover.</summary>
    ClientCutFromGateway,

    /// <summary>Every ZooKeeper member killed past the session timeout, then started again.</summary>
    EnsembleRestarted,
}
