namespace OrleansHa.Grains.Storage;

/// <summary>Base of the metadata store's typed refusals; callers branch on the sealed subclasses.</summary>
internal abstract class MetadataStoreException : Exception
{
    protected MetadataStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The store already records an epoch at least as high as the one offered: a newer master has opened (or is
/// holding) it, so the offering master must not act on it. <see cref="RecordedEpoch"/> is the highest epoch seen.
/// </summary>
internal sealed class StaleEpochException(string directory, long epoch, long recordedEpoch)
    : MetadataStoreException(
        $"The metadata store in {directory} has recorded epoch {recordedEpoch}, so epoch {epoch} is stale: a newer master has taken over.")
{
    public string Directory { get; } = directory;

    public long Epoch { get; } = epoch;

    public long RecordedEpoch { get; } = recordedEpoch;
}

/// <summary>
/// The store in <c>paths.db</c> is not the one the cluster has been using (its id differs from the id recorded in
/// ZooKeeper): the directory is not the cluster's shared metadata (a local disk, a wrong mount, a restored copy).
/// </summary>
internal sealed class ForeignStoreException(string directory, string expectedStoreId, string actualStoreId, bool createdNow)
    : MetadataStoreException(
        $"paths.db {directory} is not the cluster's shared metadata: the cluster's store is {expectedStoreId}, but this directory "
        + (createdNow ? "held no store (a new one would have been created with id " + actualStoreId + ")" : "holds store " + actualStoreId)
        + ". Point paths.db at the shared drive every master-eligible node mounts.")
{
    public string Directory { get; } = directory;

    public string ExpectedStoreId { get; } = expectedStoreId;

    public string ActualStoreId { get; } = actualStoreId;
}

/// <summary>Another connection (another process, or another open store in this one) holds the store's exclusive lock.</summary>
internal sealed class MetadataStoreLockedException(string directory, TimeSpan waited, Exception innerException)
    : MetadataStoreException(
        $"The metadata store {directory} is locked by another process or open store (waited {waited.TotalSeconds:0.#} s). "
        + "Only the holder of master.lock may open it; is a previous master still running, or does another cluster share this paths.db?",
        innerException)
{
    public string Directory { get; } = directory;
}

/// <summary>A catalog write conflicts with what is there: the space exists, or the entry's version differs.</summary>
internal sealed class CatalogConflictException(string message) : MetadataStoreException(message);

/// <summary>The named space (or entry) does not exist.</summary>
internal sealed class CatalogNotFoundException(string message) : MetadataStoreException(message);
