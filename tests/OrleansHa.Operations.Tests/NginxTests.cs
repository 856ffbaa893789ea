using System.Net.Http.Headers;
using Xunit.Abstractions;

namespace OrleansHa.Operations.Tests;

/// <summary>
/// Debian's nginx with silo-config/nginx.conf over every coordinator of real node processes: reads through it go on
/// succeeding while a coordinator is SIGKILLed and while the master fails over. Each test prints its failed requests.
/// </summary>
public sealed class NginxTests(ZooKeeperFixture zooKeeper, ITestOutputHelper output) : OperationsTest(zooKeeper)
{
    private const int ReadersInParallel = 4;
    private const int ReadsAfterTheFault = 300;

    [Fact]
    public async Task Reads_through_nginx_keep_succeeding_through_a_coordinators_sigkill()
    {
        NodeProcess master = await Cluster.StartAsync("m1");
        await NodeCluster.WaitForMasterAsync(master);
        NodeProcess c1 = await Cluster.StartAsync("c1", master: false);
        NodeProcess c2 = await Cluster.StartAsync("c2", master: false);
        await using NginxProcess nginx = await NginxProcess.StartAsync([master.WebUrl, c1.WebUrl, c2.WebUrl]);

        ReadLoad load = await ReadLoad.StartAsync(nginx.Url, ReadersInParallel);
        await load.WaitForReadsAsync(100);
        await c1.KillAsync();
        await load.WaitForReadsAsync(load.Succeeded + ReadsAfterTheFault);
        await ReportAndAssertAsync(load, nginx, "SIGKILL of coordinator c1");
    }

    [Fact]
    public async Task Reads_through_nginx_keep_succeeding_through_a_master_failover()
    {
        (NodeProcess master, NodeProcess standby, ClusterView before) = await Cluster.StartMasterAndStandbyAsync();
        NodeProcess coordinator = await Cluster.StartAsync("c1", master: false);
        await using NginxProcess nginx = await NginxProcess.StartAsync([master.WebUrl, standby.WebUrl, coordinator.WebUrl]);

        ReadLoad load = await ReadLoad.StartAsync(nginx.Url, ReadersInParallel);
        await load.WaitForReadsAsync(100);
        await master.KillAsync();
        await NodeCluster.WaitForMasterAsync(coordinator, not: master.Name, afterEpoch: before.Epoch);
        await load.WaitForReadsAsync(load.Succeeded + ReadsAfterTheFault);
        await ReportAndAssertAsync(load, nginx, $"SIGKILL of the active master {master.Name}");
    }

    private async Task ReportAndAssertAsync(ReadLoad load, NginxProcess nginx, string fault)
    {
        (long succeeded, IReadOnlyList<string> failures) = await load.StopAsync();
        TestReport.Line(output, $"nginx reads through {fault}: {succeeded} succeeded, {failures.Count} failed");
        Assert.True(failures.Count == 0, $"{failures.Count} read(s) failed through nginx:\n{string.Join('\n', failures.Take(20))}\nnginx error log:\n{nginx.ErrorLog}");
    }

    /// <summary>Readers that read one catalog entry through nginx, one request after another each, counting outcomes.</summary>
    private sealed class ReadLoad
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _failures = [];
        private readonly string _url;
        private Task[] _readers = [];
        private long _succeeded;

        private ReadLoad(string url) => _url = url;

        public long Succeeded => Interlocked.Read(ref _succeeded);

        public static async Task<ReadLoad> StartAsync(string nginxUrl, int readers)
        {
            var load = new ReadLoad(nginxUrl + "/api/v3/catalog/spaces/ops/entries/greeting");
            string token = await LoginAsync(load._http, nginxUrl);
            load._http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using (HttpResponseMessage space = await load._http.PostAsync(new Uri(nginxUrl + "/api/v3/catalog/spaces"), JsonBody("""{"name":"ops"}""")))
            using (HttpResponseMessage put = await load._http.PutAsync(new Uri(load._url), JsonBody("""{"value":"hello"}""")))
            {
                Assert.True(space.IsSuccessStatusCode && put.IsSuccessStatusCode, $"writing the entry: {(int)space.StatusCode}, {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
            }

            load._readers = [.. Enumerable.Range(0, readers).Select(_ => Task.Run(load.ReadUntilStoppedAsync))];
            return load;
        }

        public Task WaitForReadsAsync(long count) =>
            Poll.UntilAsync(() => Succeeded >= count, TimeSpan.FromSeconds(120), $"{count} successful reads through nginx ({Succeeded} so far, {_failures.Count} failed)");

        public async Task<(long Succeeded, IReadOnlyList<string> Failures)> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_readers);
            _http.Dispose();
            lock (_failures)
            {
                return (Succeeded, [.. _failures]);
            }
        }

        private async Task ReadUntilStoppedAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                string? failure;
                try
                {
                    using HttpResponseMessage response = await _http.GetAsync(new Uri(_url));
                    string body = await response.Content.ReadAsStringAsync();
                    failure = response.IsSuccessStatusCode && body.Contains("hello", StringComparison.Ordinal) ? null : $"{(int)response.StatusCode} {body}";
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    failure = ex.Message;
                }

                if (failure is null)
                {
                    Interlocked.Increment(ref _succeeded);
                }
                else
                {
                    lock (_failures)
                    {
                        _failures.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {failure}");
                    }
                }
            }
        }

        private static StringContent JsonBody(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
    }
}
