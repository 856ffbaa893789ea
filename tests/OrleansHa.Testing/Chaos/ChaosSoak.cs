using System.Diagnostics;
using System.Globalization;

namespace OrleansHa.Testing.Chaos;

/// <summary>A grain client for the soak's load, made by the caller (this library does not depend on the client).</summary>
public abstract class ChaosClient : IAsyncDisposable
{
    /// <summary>Runs one read query to its end; returns how often it was resubmitted, or throws if it failed.</summary>
    public abstract Task<int> QueryOnceAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}

/// <summary>How many faults of each kind a soak injects, in an order drawn from <see cref="Seed"/>.</summary>
public sealed record ChaosPlan(int Seed, IReadOnlyDictionary<ChaosFault, int> Counts)
{
    public IReadOnlyList<ChaosFault> Order()
    {
        var random = new Random(Seed);
        return [.. Counts.SelectMany(c => Enumerable.Repeat(c.Key, c.Value)).OrderBy(_ => random.Next())];
    }
}

/// <summary>
/// A cluster of two master-coordinators and a coordinator, each on a host of its own (<see cref="NetworkFabric"/>),
/// on a three-member ensemble, under REST catalog writes, SQL through REST and SQL through a grain client, while
/// faults are injected one at a time: after each, the time until a master acknowledges a write is measured, and the
/// cluster is let back to full strength before the next. At the end every acknowledged write is read back and the
/// nodes' tenure lines are checked for overlaps. Needs root (network namespaces).
/// </summary>
public sealed class ChaosSoak : IAsyncDisposable
{
    /// <summary>A call that takes longer than this (or ends at its HTTP timeout) counts as hung.</summary>
    public static readonly TimeSpan HungCallBound = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan RecoveryPatience = TimeSpan.FromSeconds(60);
    private const string Space = "chaos";
    private readonly ZooKeeperEnsemble _ensemble;
    private readonly NetworkFabric _fabric;
    private readonly ZooKeeperProxies _proxies;
    private readonly NodeCluster _cluster;
    private readonly TextWriter _log;
    private readonly ChaosReport _report = new();
    private readonly Dictionary<long, DateTimeOffset> _killedAt = [];
    private readonly List<string> _acknowledged = [];
    private readonly Dictionary<string, NodeProcess> _masters = [];
    private NodeProcess _coordinator = null!;
    private ChaosClient? _client;

    private ChaosSoak(ZooKeeperEnsemble ensemble, NetworkFabric fabric, TextWriter log)
    {
        _ensemble = ensemble;
        _fabric = fabric;
        _log = log;
        _proxies = new ZooKeeperProxies(ensemble, fabric.TestAddress);
        _cluster = new NodeCluster(_proxies.ConnectionString);
    }

    /// <summary>Runs <paramref name="plan"/> and reports; <paramref name="connect"/> makes the grain client from the ensemble's connection string and the cluster id.</summary>
    public static async Task<ChaosReport> RunAsync(ChaosPlan plan, Func<string, string, Task<ChaosClient>> connect, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(connect);
        ZooKeeperEnsemble ensemble = await ZooKeeperEnsemble.StartAsync(3, ZooKeeperServerSettings.Default with { LogLevel = "warn" }, cancellationToken: cancellationToken);
        NetworkFabric? fabric = null;
        try
        {
            fabric = await NetworkFabric.CreateAsync(3);
            await using var soak = new ChaosSoak(ensemble, fabric, log);
            await soak.BringUpAsync(connect);
            return await soak.RunAsync(plan, cancellationToken);
        }
        finally
        {
            if (fabric is not null)
            {
                await fabric.DisposeAsync();
            }

            await ensemble.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        await _cluster.DisposeAsync();
        await _proxies.DisposeAsync();
    }

    private async Task BringUpAsync(Func<string, string, Task<ChaosClient>> connect)
    {
        NodeProcess first = await _cluster.StartOnAsync(_fabric.Hosts[0], "m1");
        await NodeCluster.WaitForMasterAsync(first);
        _masters["m1"] = first;
        _masters["m2"] = await _cluster.StartOnAsync(_fabric.Hosts[1], "m2");
        _coordinator = await _cluster.StartOnAsync(_fabric.Hosts[2], "c1", master: false);
        await NodeCluster.CreateSpaceAsync(_coordinator, Space);
        _client = await connect(_ensemble.ConnectionString, _cluster.ClusterId);
    }

    private async Task<ChaosReport> RunAsync(ChaosPlan plan, CancellationToken cancellationToken)
    {
        IReadOnlyList<ChaosFault> order = plan.Order();
        _log.WriteLine($"chaos soak: seed {plan.Seed}, {order.Count} faults: {string.Join(", ", plan.Counts.Select(c => $"{c.Value} {c.Key}"))}");
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task[] load = [WriteLoadAsync(stopLoad.Token), RestSqlLoadAsync(stopLoad.Token), ClientSqlLoadAsync(stopLoad.Token)];
        try
        {
            for (int i = 0; i < order.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await InjectAsync(i, order[i]);
            }
        }
        finally
        {
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);
        }

        await WaitForFullStrengthAsync();
        await CountLostWritesAsync();
        _report.Overlaps.AddRange(TenureLog.Overlaps(_cluster.AllProcesses, _killedAt));
        return _report;
    }

    private async Task InjectAsync(int index, ChaosFault fault)
    {
        ClusterView before = await WaitForFullStrengthAsync();
        NodeProcess master = _masters[before.Master!];
        NodeProcess standby = _masters.Values.Single(n => n != master);
        bool failover = fault is not (ChaosFault.StandbyCutFromZooKeeper or ChaosFault.ClientCutFromGateway);
        DateTimeOffset at = DateTimeOffset.UtcNow;
        switch (fault)
        {
            case ChaosFault.MasterKilled:
                _killedAt[before.Epoch] = at;
                await master.KillSiloAsync();
                break;
            case ChaosFault.MasterHung:
                // Its supervisor SIGKILLs it once its heartbeat stalls; a stopped process dies of SIGKILL too.
                master.PauseSilo();
                break;
            case ChaosFault.MasterCutFromZooKeeper:
                await CutFromZooKeeperAsync(master);
                break;
            case ChaosFault.MasterCutFromSilos:
                await _fabric.CutAsync(master.Host!, standby.Host!);
                await _fabric.CutAsync(master.Host!, _coordinator.Host!);
                break;
            case ChaosFault.StandbyCutFromZooKeeper:
                await CutFromZooKeeperAsync(standby);
                break;
            case ChaosFault.ClientCutFromGateway:
                await _fabric.CutFromTestAsync(master.Host!, master.GatewayPort);
                break;
            case ChaosFault.EnsembleRestarted:
                foreach (ZooKeeperServerProcess server in _ensemble.Servers)
                {
                    await server.KillAsync();
                }

                await Task.Delay(NodeCluster.SessionTimeout + TimeSpan.FromSeconds(1));
                await _ensemble.HealAsync();
                at = DateTimeOffset.UtcNow;
                break;
        }

        try
        {
            TimeSpan recovery = failover ? await UntilNewMasterServesAsync(before.Epoch, at) : await HoldsWithoutFailoverAsync(before.Epoch, at);
            _report.AddRecovery(fault, recovery);
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#{index + 1} {fault} of {(fault == ChaosFault.StandbyCutFromZooKeeper ? standby.Name : master.Name)} at epoch {before.Epoch}: writes served {recovery.TotalMilliseconds:0} ms after"));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or HttpRequestException)
        {
            _report.Unrecovered.Add($"#{index + 1} {fault}: {ex.Message}");
            _log.WriteLine($"#{index + 1} {fault}: NOT RECOVERED: {ex.Message}");
            foreach (NodeProcess node in _masters.Values.Append(_coordinator))
            {
                _log.WriteLine($"--- {node.Name} ---\n{node.Output}");
            }
        }
        finally
        {
            await _fabric.HealAsync();
        }
    }

    private async Task CutFromZooKeeperAsync(NodeProcess node)
    {
        foreach (int port in _proxies.Ports)
        {
            await _fabric.CutFromTestServiceAsync(node.Host!, port);
        }
    }

    /// <summary>From <paramref name="at"/> until a master of a later epoch acknowledges a write through the coordinator.</summary>
    private async Task<TimeSpan> UntilNewMasterServesAsync(long epoch, DateTimeOffset at)
    {
        await NodeCluster.WaitForMasterAsync(_coordinator, afterEpoch: epoch, within: RecoveryPatience);
        DateTimeOffset served = await NodeCluster.PutUntilAcknowledgedAsync(_coordinator, Space, "probe", "served", RecoveryPatience);
        return served - at;
    }

    /// <summary>A fault that must not move the master: the epoch stays for a session timeout and more, and writes go on.</summary>
    private async Task<TimeSpan> HoldsWithoutFailoverAsync(long epoch, DateTimeOffset at)
    {
        DateTimeOffset served = await NodeCluster.PutUntilAcknowledgedAsync(_coordinator, Space, "probe", "served", RecoveryPatience);
        DateTimeOffset until = at + NodeCluster.SessionTimeout + TimeSpan.FromSeconds(1);
        while (DateTimeOffset.UtcNow < until)
        {
            ClusterView view = await NodeCluster.ViewAsync(_coordinator);
            if (view.Epoch != epoch)
            {
                throw new InvalidOperationException($"the master moved from epoch {epoch} to {view.Epoch} ({view.Master}) though no master was at fault");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        return served - at;
    }

    /// <summary>A master, the other master-eligible node standing by, and the coordinator serving: the state every fault starts from.</summary>
    private async Task<ClusterView> WaitForFullStrengthAsync()
    {
        ClusterView? view = null;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    view = await NodeCluster.ViewAsync(_coordinator);
                    return view.Master is { } master && _masters.ContainsKey(master) && view.Standbys.Contains(_masters.Keys.Single(n => n != master));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            },
            NodeCluster.StartBound + RecoveryPatience,
            "a master with the other master-eligible node standing by");
        return view!;
    }

    private async Task WriteLoadAsync(CancellationToken stop)
    {
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            string key = string.Create(CultureInfo.InvariantCulture, $"w{i}");
            if (await TimedAsync("REST write " + key, () => NodeCluster.PutAsync(_coordinator, Space, key, "acknowledged")))
            {
                lock (_acknowledged)
                {
                    _acknowledged.Add(key);
                }
            }

            await PauseAsync(TimeSpan.FromMilliseconds(20), stop);
        }
    }

    private async Task RestSqlLoadAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            bool ok = await TimedAsync("REST SQL", () => NodeCluster.SqlScalarAsync(_coordinator, "SELECT 1"));
            CountQuery(ok, resubmitted: 0);
            await PauseAsync(TimeSpan.FromMilliseconds(50), stop);
        }
    }

    private async Task ClientSqlLoadAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var watch = Stopwatch.StartNew();
            int resubmitted = 0;
            bool ok;
            try
            {
                resubmitted = await _client!.QueryOnceAsync(CancellationToken.None);
                ok = true;
            }
#pragma warning disable CA1031 // Any failure of the application's query is what is counted.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ok = false;
                _log.WriteLine($"grain client query failed: {ex.GetType().Name}: {ex.Message}");
            }

            CountHung("grain client SQL", watch.Elapsed, timedOut: false);
            CountQuery(ok, resubmitted);
            await PauseAsync(TimeSpan.FromMilliseconds(50), stop);
        }
    }

    /// <summary>Runs one REST call; false if it failed; counts it hung if it took too long or ended at its HTTP timeout.</summary>
    private async Task<bool> TimedAsync(string what, Func<Task> call)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await call();
            CountHung(what, watch.Elapsed, timedOut: false);
            return true;
        }
        catch (TaskCanceledException)
        {
            CountHung(what, watch.Elapsed, timedOut: true);
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TimeoutException or System.Text.Json.JsonException)
        {
            CountHung(what, watch.Elapsed, timedOut: false);
            return false;
        }
    }

    private void CountHung(string what, TimeSpan took, bool timedOut)
    {
        if (timedOut || took > HungCallBound)
        {
            lock (_report)
            {
                _report.HungCalls++;
            }

            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"hung call: {what} took {took.TotalMilliseconds:0} ms{(timedOut ? " and ended at its HTTP timeout" : string.Empty)}"));
        }
    }

    private void CountQuery(bool ok, int resubmitted)
    {
        lock (_report)
        {
            _report.QueriesRun++;
            _report.QueriesFailed += ok ? 0 : 1;
            _report.QueriesResubmitted += resubmitted;
        }
    }

    private async Task CountLostWritesAsync()
    {
        _report.WritesAcknowledged = _acknowledged.Count;
        _report.WritesLost = (await NodeCluster.LostAsync(_coordinator, Space, _acknowledged)).Count;
    }

    private static async Task PauseAsync(TimeSpan pause, CancellationToken stop)
    {
        try
        {
            await Task.Delay(pause, stop);
        }
        catch (OperationCanceledException)
        {
            // The load ends.
        }
    }
}
