namespace OrleansHa.Engine;

/// <summary>
/// Warm sandboxed DuckDB databases, kept between queries with the same sandbox settings (the same sources, so the same
/// catalog version, and the same limits), so a query does not pay for opening and setting up a database, nor for
/// binding the views it names again. The most recently used are kept, at most <see cref="MaxIdle"/>; a database whose
/// query was stopped, or ran out of memory, is not kept.
/// </summary>
public sealed class SandboxPool : IDisposable
{
    /// <summary>How many idle databases a pool keeps unless told otherwise.</summary>
    public const int DefaultMaxIdle = 4;

    private readonly Lock _gate = new();
    private readonly LinkedList<SandboxedConnection> _idle = new();
    private bool _disposed;

    /// <param name="maxIdle">How many idle databases to keep (0: none, every query opens its own).</param>
    public SandboxPool(int maxIdle = DefaultMaxIdle)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxIdle);
        MaxIdle = maxIdle;
    }

    public int MaxIdle { get; }

    /// <summary>How many idle databases the pool holds now.</summary>
    public int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    public void Dispose()
    {
        List<SandboxedConnection> idle;
        lock (_gate)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        idle.ForEach(connection => connection.Dispose());
    }

    /// <summary>An idle database set up for <paramref name="settings"/>, the most recently returned first, else a new one.</summary>
    internal SandboxedConnection Rent(SandboxSettings settings)
    {
        lock (_gate)
        {
            for (var node = _idle.First; node is not null; node = node.Next)
            {
                if (node.Value.Settings.Equals(settings))
                {
                    _idle.Remove(node);
                    return node.Value;
                }
            }
        }

        return SandboxedConnection.Open(settings);
    }

    /// <summary>Keeps <paramref name="connection"/> for the next query, dropping the least recently used beyond <see cref="MaxIdle"/>.</summary>
    internal void Return(SandboxedConnection connection)
    {
        SandboxedConnection? evicted = connection;
        lock (_gate)
        {
            if (!_disposed && MaxIdle > 0)
            {
                _idle.AddFirst(connection);
                evicted = null;
                if (_idle.Count > MaxIdle)
                {
                    evicted = _idle.Last!.Value;
                    _idle.RemoveLast();
                }
            }
        }

        evicted?.Dispose();
    }
}
