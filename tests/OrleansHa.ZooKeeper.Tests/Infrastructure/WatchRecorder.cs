using System.Collections.Concurrent;
using OrleansHa.ZooKeeper;

namespace OrleansHa.ZooKeeper.Tests.Infrastructure;

/// <summary>A watcher that records every event it gets, to assert what fired and how often.</summary>
public sealed class WatchRecorder
{
    private readonly ConcurrentQueue<WatchedEvent> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private int _taken;

    public Action<WatchedEvent> Watcher => Record;

    public IReadOnlyList<WatchedEvent> Events => [.. _events];

    /// <summary>Waits for the next event not yet taken.</summary>
    public async Task<WatchedEvent> NextAsync(TimeSpan? timeout = null)
    {
        if (!await _arrived.WaitAsync(timeout ?? TimeSpan.FromSeconds(20)))
        {
            throw new TimeoutException($"No watch event arrived; seen so far: {string.Join(", ", _events)}");
        }

        return _events.ElementAt(_taken++);
    }

    private void Record(WatchedEvent e)
    {
        _events.Enqueue(e);
        _arrived.Release();
    }
}
