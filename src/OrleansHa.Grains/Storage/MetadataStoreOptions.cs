namespace OrleansHa.Grains.Storage;

/// <summary>Options of <see cref="MetadataStore"/>.</summary>
internal sealed class MetadataStoreOptions
{
    /// <summary>The defaults.</summary>
    public static MetadataStoreOptions Default { get; } = new();

    /// <summary>
    /// How long <see cref="MetadataStore.Open"/> waits for another holder of the store's SQLite lock before it fails
    /// with <see cref="MetadataStoreLockedException"/> (SQLite's <c>Default Timeout</c>; whole seconds, at least 1).
    /// Default 5 s: long enough for a previous holder in the middle of closing, short enough that a misconfiguration
    /// surfaces at once.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock for the timestamps the store records.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal int LockTimeoutSeconds =>
        LockTimeout > TimeSpan.Zero
            ? (int)Math.Min(int.MaxValue, Math.Max(1, Math.Ceiling(LockTimeout.TotalSeconds)))
            : throw new ArgumentOutOfRangeException(nameof(LockTimeout), LockTimeout, "The lock timeout must be positive.");
}
