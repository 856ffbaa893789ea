using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace OrleansHa.ZooKeeper.Internal;

/// <summary>
/// Runs state-change and watch callbacks one at a time, in the order they were raised, on its own task: never on
/// the I/O loop, so a slow or throwing callback cannot stall or break a connection.
/// </summary>
internal sealed class EventDispatcher
{
    private readonly Channel<Action> _queue = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _loop;

    public EventDispatcher(ILogger logger)
    {
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public void Post(Action callback) => _queue.Writer.TryWrite(callback);

    /// <summary>Runs what is queued, then stops.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync()
    {
        await foreach (Action callback in _queue.Reader.ReadAllAsync())
        {
            try
            {
                callback();
            }
#pragma warning disable CA1031 // A user's callback may throw anything; it must not end event delivery.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.CallbackFailed(_logger, ex);
            }
        }
    }
}
