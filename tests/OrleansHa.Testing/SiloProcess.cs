using System.Globalization;

namespace OrleansHa.Testing;

/// <summary>
/// A real Orleans silo in its own process (tests/OrleansHa.TestSilo) with membership in ZooKeeper, so that
/// failure detection and gateways are exercised over real sockets and real process deaths.
/// </summary>
public sealed class SiloProcess : DotnetChildProcess
{
    private const string ReadyPrefix = "READY ";
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(IReadOnlyList<int> ports, IEnumerable<string> arguments)
        : base("OrleansHa.TestSilo.dll", arguments)
    {
        SiloPort = ports[0];
        GatewayPort = ports[1];
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>The silo address in its parsable form, which is also its membership row's name.</summary>
    public string SiloAddress { get; private set; } = string.Empty;

    /// <summary>
    /// Starts a silo of <paramref name="clusterId"/> on fresh loopback ports and waits until it is Active.
    /// <paramref name="fastMembership"/> picks the test membership options; otherwise Orleans' defaults.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string zooKeeper, string clusterId, bool fastMembership = true, TimeSpan? timeout = null)
    {
        IReadOnlyList<int> ports = FreePorts.Allocate(2);
        var silo = new SiloProcess(ports,
        [
            zooKeeper, clusterId, ports[0].ToString(CultureInfo.InvariantCulture), ports[1].ToString(CultureInfo.InvariantCulture),
            fastMembership ? "fast" : "default",
        ]);
        try
        {
            Task finished = await Task.WhenAny(silo._ready.Task, silo.Exited).WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
            if (finished != silo._ready.Task)
            {
                throw new InvalidOperationException($"The test silo exited with code {silo.ExitCode} before it was ready:\n{silo.Output}");
            }

            silo.SiloAddress = await silo._ready.Task;
            return silo;
        }
        catch (TimeoutException)
        {
            await silo.DisposeAsync();
            throw new TimeoutException($"The test silo was not ready in time:\n{silo.Output}");
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    protected override void OnOutputLine(string line)
    {
        if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
        {
            _ready.TrySetResult(line[ReadyPrefix.Length..].Trim());
        }
    }
}
