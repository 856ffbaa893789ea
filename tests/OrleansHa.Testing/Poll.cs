using System.Diagnostics;

namespace OrleansHa.Testing;

/// <summary>Waits for a condition instead of sleeping a guessed amount of time.</summary>
public static class Poll
{
    /// <summary>Default interval between two evaluations of the condition.</summary>
    public static TimeSpan DefaultInterval { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Evaluates <paramref name="condition"/> until it returns true. Throws <see cref="TimeoutException"/>
    /// ("Timed out after X waiting for <paramref name="description"/>") once <paramref name="timeout"/> has passed.
    /// Exceptions thrown by the condition propagate.
    /// </summary>
    public static Task UntilAsync(
        Func<bool> condition,
        TimeSpan timeout,
        string description,
        TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, description, interval, cancellationToken);
    }

    /// <inheritdoc cref="UntilAsync(Func{bool}, TimeSpan, string, TimeSpan?, CancellationToken)"/>
    public static async Task UntilAsync(
        Func<Task<bool>> condition,
        TimeSpan timeout,
        string description,
        TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentException.ThrowIfNullOrEmpty(description);
        var delay = interval ?? DefaultInterval;
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await condition())
            {
                return;
            }

            var remaining = timeout - stopwatch.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Timed out after {Format(timeout)} waiting for {description}");
            }

            await Task.Delay(delay < remaining ? delay : remaining, cancellationToken);
        }
    }

    internal static string Format(TimeSpan span) =>
        span.TotalSeconds >= 1
            ? FormattableString.Invariant($"{span.TotalSeconds:0.###} s")
            : FormattableString.Invariant($"{span.TotalMilliseconds:0} ms");
}
