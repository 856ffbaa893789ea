namespace OrleansHa.Grains.Tests.Storage;

/// <summary>A fresh directory under the system temp directory for one test (a stand-in for <c>paths.db</c>), deleted afterwards.</summary>
public sealed class StorageDirectory : IDisposable
{
    public StorageDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "orleansha-storage-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string LockFile => System.IO.Path.Combine(Path, "master.lock");

    public string Database => System.IO.Path.Combine(Path, "metadata.db");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A parked lock waiter may still have the lock file open; the temp directory is cleaned up eventually.
        }
    }
}
