using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansHa.Testing;

/// <summary>
/// Real node processes of one cluster on a real ZooKeeper ensemble, sharing one <c>paths.db</c> in a fresh temp
/// directory: start, find the master, write and read the catalog over REST; every process started is kept for the tenure log.
/// </summary>
public sealed class NodeCluster : IAsyncDisposable
{
    /// <summary>The ZooKeeper session timeout every node of these clusters asks for.</summary>
    public static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(4);

    /// <summary>
    /// How soon a failover must have a new master serving, for liveness assertions: the promised bound for any fault
    /// (session timeout + 1 s) with a second's allowance for a loaded test machine. Speed is the benchmarks' business.
    /// </summary>
    public static readonly TimeSpan TakeoverBound = SessionTimeout + TimeSpan.FromSeconds(2);

    /// <summary>How long a node process may take to start and join (a .NET start, Orleans' join, the first election).</summary>
    public static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);

    private static readonly HttpClient Http = TestCredentials.CreateHttpClient(TimeSpan.FromSeconds(20));
    private readonly string _zooKeeper;
    private readonly List<NodeProcess> _all = [];

    public NodeCluster(string zooKeeper)
    {
        _zooKeeper = zooKeeper;
        ClusterId = "c-" + Guid.NewGuid().ToString("N")[..10];
        Root = Path.Combine(Path.GetTempPath(), "orleansha-nodes", ClusterId);
        Directory.CreateDirectory(Root);
    }

    public string ClusterId { get; }

    public string Root { get; }

    public string SharedDb => Path.Combine(Root, "shared-db");

    /// <summary>The nodes' shared <c>paths.dist</c> (job results, and job records kept while no master is active).</summary>
    public string SharedDist => Path.Combine(Root, "shared-dist");

    /// <summary>Every node process started, including those killed or restarted, for the tenure log.</summary>
    public IReadOnlyList<NodeProcess> AllProcesses => _all;

    /// <summary>Starts a node of this cluster and waits until it serves HTTP.</summary>
    public Task<NodeProcess> StartAsync(string name, bool master = true, params string[] settings) => StartOnAsync(null, name, master, settings);

    /// <summary>Starts a node of this cluster on <paramref name="host"/> (loopback when null) and waits until it serves HTTP.</summary>
    public async Task<NodeProcess> StartOnAsync(FabricHost? host, string name, bool master = true, params string[] settings)
    {
        NodeProcess node = LaunchOn(host, name, master, settings);
        await node.WaitUntilServingAsync();
        return node;
    }

    /// <summary>Starts a node of this cluster without waiting for it (one that is expected never to join, say).</summary>
    public NodeProcess Launch(string name, bool master = true, params string[] settings) => LaunchOn(null, name, master, settings);

    private NodeProcess LaunchOn(FabricHost? host, string name, bool master, string[] settings)
    {
        NodeProcess node = NodeProcess.Start(name, Path.Combine(Root, name),
        [
            $"zookeeper={_zooKeeper}",
            $"cluster.id={ClusterId}",
            $"paths.db={SharedDb}",
            $"paths.dist={SharedDist}",
            string.Create(CultureInfo.InvariantCulture, $"zk.client.session.timeout={SessionTimeout.TotalMilliseconds:0}"),
            $"services.coordinator.master.enabled={(master ? "true" : "false")}",
            .. settings,
        ], host);
        _all.Add(node);
        return node;
    }

    /// <summary>
    /// Starts m1, waits until it is master, then m2, and waits until m2 stands by: the usual opening of a failover.
    /// </summary>
    public async Task<(NodeProcess Master, NodeProcess Standby, ClusterView Before)> StartMasterAndStandbyAsync(params string[] settings)
    {
        NodeProcess first = await StartAsync("m1", true, settings);
        ClusterView before = await WaitForMasterAsync(first);
        NodeProcess second = await StartAsync("m2", true, settings);
        (NodeProcess master, NodeProcess standby) = before.Master == first.Name ? (first, second) : (second, first);
        await Poll.UntilAsync(async () => (await ViewAsync(master)).Standbys.Contains(standby.Name), TimeSpan.FromSeconds(30), "the standby to register");
        return (master, standby, before);
    }

    /// <summary>The cluster view as <paramref name="via"/> reports it.</summary>
    public static async Task<ClusterView> ViewAsync(NodeProcess via)
    {
        using JsonDocument json = JsonDocument.Parse(await Http.GetStringAsync(new Uri(via.WebUrl + "/api/v3/cluster")));
        JsonElement master = json.RootElement.GetProperty("master");
        return new ClusterView(
            master.ValueKind == JsonValueKind.Null ? null : master.GetProperty("node").GetString(),
            master.ValueKind == JsonValueKind.Null ? 0 : master.GetProperty("epoch").GetInt64(),
            master.ValueKind == JsonValueKind.Null ? null : master.GetProperty("silo").GetString(),
            [.. json.RootElement.GetProperty("standbys").EnumerateArray().Select(s => s.GetString()!)],
            [.. json.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()!)]);
    }

    /// <summary>
    /// Waits until <paramref name="via"/> reports an active master other than <paramref name="not"/> and after
    /// <paramref name="afterEpoch"/>, for at most <paramref name="within"/> (default <see cref="StartBound"/>; give
    /// <see cref="TakeoverBound"/> after a fault).
    /// </summary>
    public static async Task<ClusterView> WaitForMasterAsync(NodeProcess via, string? not = null, long afterEpoch = 0, TimeSpan? within = null)
    {
        ClusterView? view = null;
        await Poll.UntilAsync(
            async () =>
            {
                // server_status is open; the cluster view needs a login, and the first login needs a master.
                if (await via.ServerStatusAsync() != 200)
                {
                    return false;
                }

                view = await ViewAsync(via);
                return view.Master is not null && view.Master != not && view.Epoch > afterEpoch;
            },
            within ?? StartBound,
            $"{via.Name} to report an active master{(not is null ? string.Empty : " other than " + not)}");
        return view!;
    }

    /// <summary>The silos on which the Orleans dashboard of <paramref name="via"/> counts MasterGrain activations.</summary>
    public static async Task<IReadOnlyList<string>> DashboardMasterSilosAsync(NodeProcess via)
    {
        // The dashboard answers 500 until its own grains have started; that is "nothing counted yet".
        using HttpResponseMessage response = await Http.GetAsync(new Uri(via.WebUrl + "/dashboard/DashboardCounters"));
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }

        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return
        [
            .. json.RootElement.GetProperty("simpleGrainStats").EnumerateArray()
                .Where(g => g.GetProperty("grainType").GetString()!.EndsWith(".MasterGrain", StringComparison.Ordinal) && g.GetProperty("activationCount").GetInt32() > 0)
                .Select(g => g.GetProperty("siloAddress").GetString()!),
        ];
    }

    public static async Task CreateSpaceAsync(NodeProcess via, string space)
    {
        using HttpResponseMessage response = await Http.PostAsJsonAsync(new Uri(via.WebUrl + "/api/v3/catalog/spaces"), new { name = space });
        await EnsureAsync(response, "create space " + space);
    }

    public static async Task<IReadOnlyList<string>> ListSpacesAsync(NodeProcess via)
    {
        using JsonDocument json = JsonDocument.Parse(await Http.GetStringAsync(new Uri(via.WebUrl + "/api/v3/catalog/spaces")));
        return [.. json.RootElement.EnumerateArray().Select(e => e.GetString()!)];
    }

    public static async Task<long> PutAsync(NodeProcess via, string space, string key, string value)
    {
        using HttpResponseMessage response = await Http.PutAsJsonAsync(new Uri($"{via.WebUrl}/api/v3/catalog/spaces/{space}/entries/{key}"), new { value });
        await EnsureAsync(response, $"put {space}/{key}");
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("version").GetInt64();
    }

    /// <summary>
    /// Writes <paramref name="key"/> through <paramref name="via"/> again and again until one write is acknowledged;
    /// returns when, or throws after <paramref name="within"/>. For measuring how soon a new master serves writes.
    /// </summary>
    public static async Task<DateTimeOffset> PutUntilAcknowledgedAsync(NodeProcess via, string space, string key, string value, TimeSpan within)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow + within;
        while (true)
        {
            try
            {
                await PutAsync(via, space, key, value);
                return DateTimeOffset.UtcNow;
            }
            catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException) && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    public static async Task<string?> GetAsync(NodeProcess via, string space, string key)
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri($"{via.WebUrl}/api/v3/catalog/spaces/{space}/entries/{key}"));
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureAsync(response, $"get {space}/{key}");
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("value").GetString();
    }

    /// <summary>
    /// Creates <paramref name="space"/> and writes <paramref name="count"/> keys (<paramref name="prefix"/>0, 1, ...) through
    /// <paramref name="via"/>, each with the value "acknowledged" and each acknowledged; returns the keys, for <see cref="LostAsync"/>.
    /// </summary>
    public static async Task<List<string>> PutAcknowledgedAsync(NodeProcess via, string space, int count, string prefix = "k")
    {
        await CreateSpaceAsync(via, space);
        List<string> keys = [];
        for (int i = 0; i < count; i++)
        {
            string key = string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}");
            await PutAsync(via, space, key, "acknowledged");
            keys.Add(key);
        }

        return keys;
    }

    /// <summary>The keys of <paramref name="acknowledged"/> that <paramref name="via"/> does not read back as "acknowledged", in one read of the space: lost writes.</summary>
    public static async Task<List<string>> LostAsync(NodeProcess via, string space, IEnumerable<string> acknowledged)
    {
        IReadOnlyDictionary<string, string> entries = await ListEntriesAsync(via, space);
        return [.. acknowledged.Where(key => entries.GetValueOrDefault(key) != "acknowledged")];
    }

    /// <summary>Every entry of <paramref name="space"/>, key to value, in one read.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ListEntriesAsync(NodeProcess via, string space)
    {
        using JsonDocument json = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"{via.WebUrl}/api/v3/catalog/spaces/{space}/entries")));
        return json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("value").GetString()!);
    }

    /// <summary>Runs <paramref name="sql"/> as a REST job through <paramref name="via"/> and returns the first column of its first row.</summary>
    public static async Task<long> SqlScalarAsync(NodeProcess via, string sql) => await JobScalarAsync(via, await SubmitSqlAsync(via, sql), sql);

    /// <summary>Submits <paramref name="sql"/> as a REST job through <paramref name="via"/>; returns the job's id.</summary>
    public static async Task<string> SubmitSqlAsync(NodeProcess via, string sql)
    {
        using HttpResponseMessage submitted = await Http.PostAsJsonAsync(new Uri(via.WebUrl + "/api/v3/sql"), new { sql });
        await EnsureAsync(submitted, "submit " + sql);
        using JsonDocument job = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync());
        return job.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Follows job <paramref name="id"/> through <paramref name="via"/> (any coordinator) to its end; returns the first column of its first row.</summary>
    public static async Task<long> JobScalarAsync(NodeProcess via, string id, string sql)
    {
        string? state = null;
        string? error = null;
        await Poll.UntilAsync(
            async () =>
            {
                using JsonDocument status = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"{via.WebUrl}/api/v3/job/{id}")));
                state = status.RootElement.GetProperty("jobState").GetString();
                error = status.RootElement.TryGetProperty("errorMessage", out JsonElement e) ? e.ToString() : null;
                return state is "COMPLETED" or "FAILED" or "CANCELED" or "INTERRUPTED";
            },
            TimeSpan.FromSeconds(30),
            $"job {id} ({sql}) to end");
        if (state != "COMPLETED")
        {
            throw new InvalidOperationException($"job {id} ({sql}) ended {state}: {error}");
        }

        using JsonDocument results = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"{via.WebUrl}/api/v3/job/{id}/results")));
        return results.RootElement.GetProperty("rows")[0][0].GetInt64();
    }

    /// <summary>Creates or replaces view <paramref name="name"/> through <paramref name="via"/>; the answer is the caller's to check (and dispose).</summary>
    public static Task<HttpResponseMessage> PutViewAsync(NodeProcess via, string name, string sql) =>
        Http.PutAsJsonAsync(new Uri($"{via.WebUrl}/api/v3/catalog/views/{name}"), new { sql });

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_all.Select(n => n.DisposeAsync().AsTask()));
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync();
            throw new HttpRequestException(string.Create(CultureInfo.InvariantCulture, $"{what}: {(int)response.StatusCode} {body}"));
        }
    }
}

public sealed record ClusterView(string? Master, long Epoch, string? MasterSilo, IReadOnlyList<string> Standbys, IReadOnlyList<string> Nodes);
