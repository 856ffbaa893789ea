using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;

namespace OrleansHa.Testing;

/// <summary>
/// N real ZooKeeper servers forming one ensemble on 127.0.0.1, each with its own client, quorum and
/// election port (<c>server.N=127.0.0.1:quorumPort:electionPort</c>), data directory and log.
/// </summary>
public sealed class ZooKeeperEnsemble : IAsyncDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(500);

    private ZooKeeperEnsemble(IReadOnlyList<ZooKeeperServerProcess> servers, ZooKeeperServerSettings settings)
    {
        Servers = servers;
        Settings = settings;
    }

    /// <summary>The members, in <c>myid</c> order: <c>Servers[i].MyId == i + 1</c>.</summary>
    public IReadOnlyList<ZooKeeperServerProcess> Servers { get; }

    /// <summary>The settings every member was configured with.</summary>
    public ZooKeeperServerSettings Settings { get; }

    /// <summary>How many members make a quorum: Servers.Count / 2 + 1.</summary>
    public int Majority => Servers.Count / 2 + 1;

    /// <summary>All members' client endpoints, comma-separated: "127.0.0.1:p1,127.0.0.1:p2,...".</summary>
    public string ConnectionString => string.Join(',', Servers.Select(s => s.ConnectionString));

    /// <summary>
    /// Starts <paramref name="size"/> servers together and waits until every one serves, i.e. a quorum has
    /// formed with exactly one leader (<see cref="ZooKeeperServerSettings.StartTimeout"/>, default 60 s).
    /// </summary>
    public static async Task<ZooKeeperEnsemble> StartAsync(
        int size = 3,
        ZooKeeperServerSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        settings ??= ZooKeeperServerSettings.Default;
        settings.Validate();
        for (var attempt = 1; ; attempt++)
        {
            var ensemble = Create(size, settings);
            try
            {
                foreach (var server in ensemble.Servers)
                {
                    server.Launch();
                }

                try
                {
                    await ensemble.WaitUntilAllServingAsync(settings.StartTimeout, cancellationToken);
                }
                catch (TimeoutException e)
                {
                    // The late member's own log may not say why; another member's usually does.
                    throw new TimeoutException(
                        string.Create(CultureInfo.InvariantCulture, $"A {size}-server ZooKeeper ensemble did not form within {Poll.Format(settings.StartTimeout)}: {e.Message}")
                            + Environment.NewLine + await ensemble.DescribeAsync(),
                        e);
                }

                await ensemble.WaitForQuorumAsync(settings.StartTimeout, cancellationToken);
                return ensemble;
            }
            catch (Exception e) when (attempt < 3
                && e is InvalidOperationException or TimeoutException
                && ensemble.Servers.Any(s => s.LostPortRace()))
            {
                // Something else took one of the ports between FreePorts and the JVMs' binds: other ports.
                await ensemble.DisposeAsync();
            }
            catch
            {
                await ensemble.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// The running member that holds the connection of session <paramref name="sessionId"/> (from each member's
    /// <c>cons</c>), or null when none does right now.
    /// </summary>
    public async Task<ZooKeeperServerProcess?> ServerOfSessionAsync(long sessionId, CancellationToken cancellationToken = default)
    {
        string sid = "sid=0x" + sessionId.ToString("x", CultureInfo.InvariantCulture);
        foreach (ZooKeeperServerProcess server in Servers.Where(s => s.IsRunning && !s.IsPaused))
        {
            try
            {
                string connections = await server.SendFourLetterWordAsync("cons", ProbeTimeout, cancellationToken);
                if (connections.Contains(sid + ",", StringComparison.Ordinal) || connections.Contains(sid + ")", StringComparison.Ordinal))
                {
                    return server;
                }
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
            }
        }

        return null;
    }

    /// <summary>The member whose client port is <paramref name="port"/> (e.g. a client's connected endpoint), or null.</summary>
    public ZooKeeperServerProcess? ServerWithClientPort(int port) => Servers.FirstOrDefault(s => s.ClientPort == port);

    /// <summary>
    /// Asks every running member for its <c>srvr</c> Mode (null: not answering within 500 ms, paused, or not
    /// serving). Members that are not running are reported with a null mode without being asked.
    /// </summary>
    public async Task<IReadOnlyList<(ZooKeeperServerProcess Server, ZooKeeperServerMode? Mode, long? Zxid)>> GetModesAsync(
        CancellationToken cancellationToken = default)
    {
        var probes = Servers.Select(async server =>
        {
            if (!server.IsRunning)
            {
                return (server, (ZooKeeperServerMode?)null, (long?)null);
            }

            try
            {
                var answer = await server.SendFourLetterWordAsync("srvr", ProbeTimeout, cancellationToken);
                return (server, ZooKeeperServerProcess.ParseMode(answer), ParseZxid(answer));
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                return (server, null, null);
            }
        });
        return await Task.WhenAll(probes);
    }

    /// <summary>
    /// The member that reports <c>Mode: leader</c>, or null if none does. If a stale ex-leader (e.g. one
    /// just resumed after <see cref="ZooKeeperServerProcess.Pause"/>) still claims leadership, the leader
    /// with the highest zxid (newest epoch) wins.
    /// </summary>
    public async Task<ZooKeeperServerProcess?> FindLeaderAsync(CancellationToken cancellationToken = default)
    {
        var modes = await GetModesAsync(cancellationToken);
        return modes
            .Where(m => m.Mode == ZooKeeperServerMode.Leader)
            .OrderByDescending(m => m.Zxid ?? -1)
            .Select(m => m.Server)
            .FirstOrDefault();
    }

    /// <summary>
    /// Polls until at least a majority of the ensemble (<see cref="Majority"/>) reports leader or follower
    /// and exactly one of them is the leader. Throws <see cref="TimeoutException"/> with every member's
    /// mode and log tail otherwise.
    /// </summary>
    public async Task WaitForQuorumAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var modes = await GetModesAsync(cancellationToken);
                    var serving = modes.Count(m => m.Mode is ZooKeeperServerMode.Leader or ZooKeeperServerMode.Follower);
                    var leaders = modes.Count(m => m.Mode is ZooKeeperServerMode.Leader);
                    return serving >= Majority && leaders == 1;
                },
                timeout,
                string.Create(CultureInfo.InvariantCulture, $"a quorum ({Majority} of {Servers.Count} serving, one leader)"),
                cancellationToken: cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + Environment.NewLine + await DescribeAsync(), e);
        }
    }

    /// <summary>Every member's state and mode plus the tail of its log, for failure messages.</summary>
    public async Task<string> DescribeAsync()
    {
        var modes = await GetModesAsync();
        var text = new StringBuilder();
        foreach (var (server, mode, _) in modes)
        {
            var state = !server.IsRunning ? "not running" : server.IsPaused ? "paused" : mode?.ToString() ?? "not serving";
            text.Append(CultureInfo.InvariantCulture, $"--- {server}: {state}; log {server.LogPath} ---").Append(Environment.NewLine)
                .Append(server.ReadLogTail(15)).Append(Environment.NewLine);
        }

        return text.ToString();
    }

    /// <summary>Kills every member and deletes their temp directories.</summary>
    /// <summary>
    /// Brings back every member a test stopped or killed (all launched before any is waited for: a member serves only
    /// once a quorum is up) and waits until all serve with one leader.
    /// </summary>
    public async Task HealAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        foreach (ZooKeeperServerProcess server in Servers)
        {
            if (server.IsPaused)
            {
                server.Resume();
            }

            if (!server.IsRunning)
            {
                server.Launch();
            }
        }

        foreach (ZooKeeperServerProcess server in Servers)
        {
            await server.WaitUntilServingAsync(timeout ?? Settings.StartTimeout, cancellationToken);
        }

        await WaitForQuorumAsync(timeout ?? Settings.StartTimeout, cancellationToken);
    }

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(Servers.Select(s => s.DisposeAsync().AsTask()));

    private static ZooKeeperEnsemble Create(int size, ZooKeeperServerSettings settings)
    {
        var ports = FreePorts.Allocate(size * 3);
        var serverLines = Enumerable.Range(1, size)
            .Select(id => KeyValuePair.Create(
                string.Create(CultureInfo.InvariantCulture, $"server.{id}"),
                string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{ports[size + id - 1]}:{ports[(2 * size) + id - 1]}")))
            .ToList();
        var servers = Enumerable.Range(1, size)
            .Select(id => ZooKeeperServerProcess.Create(settings, ports[id - 1], id, serverLines))
            .ToList();
        return new ZooKeeperEnsemble(servers, settings);
    }

    private async Task WaitUntilAllServingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var waits = Servers.Select(async server =>
        {
            try
            {
                await server.WaitUntilServingAsync(timeout, failed.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await failed.CancelAsync(); // One member is dead or late: stop waiting for the others.
                throw;
            }
        }).ToList();
        try
        {
            await Task.WhenAll(waits);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var cause = waits.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (cause is not null)
            {
                ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }
    }

    private static long? ParseZxid(string srvrAnswer)
    {
        foreach (var line in srvrAnswer.Split('\n'))
        {
            if (line.StartsWith("Zxid: 0x", StringComparison.Ordinal)
                && long.TryParse(line["Zxid: 0x".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var zxid))
            {
                return zxid;
            }
        }

        return null;
    }
}
