using Orleans.Concurrency;

namespace OrleansHa.Grains.Health;

/// <summary>
/// A grain turn for the node's heartbeat: a call that completes only if this silo's messaging and scheduler work. A
/// stateless worker, so each silo answers its own heartbeat locally.
/// </summary>
public interface IHeartbeatGrain : IGrainWithIntegerKey
{
    Task PingAsync();
}

[StatelessWorker(1)]
internal sealed class HeartbeatGrain : Grain, IHeartbeatGrain
{
    public Task PingAsync() => Task.CompletedTask;
}
