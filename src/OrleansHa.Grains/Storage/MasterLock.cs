using System.Globalization;
using System.Text;

namespace OrleansHa.Grains.Storage;

/// <summary>
/// The exclusive OS lock on <c>&lt;paths.db&gt;/master.lock</c> that makes a node the one that may become
/// active master (ARCHITECTURE.md §4.1). It is a <c>flock(2)</c> lock on one open file description: the kernel
/// drops it the instant the holding process dies, so a standby blocked in <see cref="AcquireAsync(string, string, CancellationToken)"/>
/// takes over within milliseconds of a crash. flock rather than fcntl because a POSIX (fcntl) lock is silently lost
/// when the process closes <em>any</em> descriptor of the file, whoever opened it; a flock lives exactly as long as
/// our own open file description. (.NET file APIs are not used to open the file: .NET
/// takes its own <c>flock(LOCK_SH|LOCK_NB)</c> on open, which would fail while the lock is held.)
/// </summary>
/// <remarks>
/// <para>The descriptor is opened with O_CLOEXEC, so a child process never inherits (and never prolongs) the lock.</para>
/// <para>After every successful flock the path is checked to still name the locked inode (fstat of the descriptor
/// against stat of the path). If the file was deleted or replaced between our open and our lock, the lock is on an
/// orphan that nobody else will ever contend for, so it is dropped and the file opened again.</para>
/// <para>Deleting or replacing the lock file while it is held lets a newcomer lock the new file; the holder sees that
/// through <see cref="IsStillHeld"/> and must fence itself (ARCHITECTURE.md §4.5).</para>
/// <para>Linux only (see <see cref="LockFileNative"/>).</para>
/// </remarks>
internal sealed partial class MasterLock : IDisposable
{
    /// <summary>Name of the lock file inside the <c>paths.db</c> directory.</summary>
    internal const string FileName = "master.lock";

    // A lock file that is replaced again after every one of these attempts is being tampered with.
    private const int MaxReopenAttempts = 16;

    private readonly LockFileHandle _handle;
    private readonly FileIdentity _identity;
    private readonly bool _kernelListsLock;
    private int _disposed;

    private MasterLock(LockFileHandle handle, string path, FileIdentity identity, string nodeName)
    {
        _handle = handle;
        _identity = identity;
        Path = path;
        NodeName = nodeName;
        _kernelListsLock = KernelListsFlock(handle) == true;
        WriteHolderInfo(handle, nodeName);
    }

    /// <summary>Full path of the lock file.</summary>
    public string Path { get; }

    /// <summary>The node name written into the lock file for operators.</summary>
    public string NodeName { get; }

    /// <summary>Full path of the lock file in <paramref name="directory"/>.</summary>
    internal static string LockFilePath(string directory) =>
        System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), FileName);

    /// <inheritdoc cref="AcquireAsync(string, string, CancellationToken)"/>
    public static Task<MasterLock> AcquireAsync(string directory, CancellationToken ct) =>
        AcquireAsync(directory, Environment.MachineName, ct);

    /// <summary>
    /// Waits until this process holds the exclusive lock on <c>&lt;directory&gt;/master.lock</c> (creating the
    /// directory and file if missing). The wait is a blocking <c>flock(LOCK_EX)</c> on a dedicated thread, not a
    /// poll, so the handoff after the holder dies costs the kernel's wake-up only.
    /// </summary>
    /// <remarks>
    /// Cancellation completes the returned task at once (canceled), but a thread blocked in flock cannot be woken
    /// (a close of the descriptor does not interrupt the call, and the runtime's signal handlers restart it). The
    /// waiter is therefore <em>parked</em>: if it acquires the lock later it releases and closes it at once, without
    /// anyone ever seeing it; and the next <see cref="AcquireAsync(string, string, CancellationToken)"/> on the same
    /// path adopts the parked waiter instead of starting another, so repeated cancellations keep at most one parked
    /// thread (and one descriptor) per lock file. If the acquisition and the cancellation race, the acquisition may
    /// win: the task then completes with the lock, which the caller must dispose.
    /// </remarks>
    public static async Task<MasterLock> AcquireAsync(string directory, string nodeName, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (TryAcquire(directory, nodeName) is { } acquired)
        {
            return acquired;
        }

        var claim = new Claim(nodeName);
        var waiter = LockWaiter.Attach(LockFilePath(directory), claim);
        using (ct.UnsafeRegister(static (state, token) => ((Abandonment)state!).Run(token), new Abandonment(waiter, claim)))
        {
            return await claim.Completion.Task;
        }
    }

    /// <inheritdoc cref="TryAcquire(string, string)"/>
    public static MasterLock? TryAcquire(string directory) => TryAcquire(directory, Environment.MachineName);

    /// <summary>Takes the lock if it is free right now (<c>LOCK_EX|LOCK_NB</c>); null if someone holds it.</summary>
    public static MasterLock? TryAcquire(string directory, string nodeName)
    {
        var path = Prepare(directory, nodeName);
        for (var attempt = 0; attempt < MaxReopenAttempts; attempt++)
        {
            var handle = LockFileNative.OpenLockFile(path);
            var errno = LockFileNative.Flock(handle, LockFileNative.LockEx | LockFileNative.LockNb);
            if (errno == LockFileNative.EAgain)
            {
                handle.Dispose();
                return null;
            }

            if (errno != 0)
            {
                handle.Dispose();
                throw FlockError(path, errno);
            }

            if (LockedFileIsAtPath(handle, path) is { } identity)
            {
                return new MasterLock(handle, path, identity, nodeName);
            }

            handle.Dispose();
        }

        throw ReplacedTooOften(path);
    }

    /// <summary>
    /// What the current (or last) holder wrote into the lock file (<c>pid=…</c>, <c>node=…</c>, <c>acquired=…</c>
    /// lines), or null if there is no lock file. Informational only: it is not proof that anyone holds the lock.
    /// Reads without locking, which <see cref="File.ReadAllText(string)"/> cannot do while the lock is held.
    /// </summary>
    public static string? ReadHolderInfo(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        LockFileNative.EnsureSupported();
        return LockFileNative.TryReadAll(LockFilePath(directory), 4096) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
    }

    /// <summary>
    /// Proves that this process still holds the lock: the descriptor is open, the path still names the very inode
    /// that is locked (the file was neither deleted nor replaced, say by an operator or a rename), and, where the
    /// kernel listed our flock in <c>/proc/self/fdinfo/&lt;fd&gt;</c> when we took it, it still lists it. False
    /// after <see cref="Dispose"/>. Cheap (two stat calls and one small /proc read), meant to be called before
    /// acting as master and periodically by the self-fencing loop.
    /// </summary>
    public bool IsStillHeld()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        var added = false;
        try
        {
            // Keeps the descriptor number from being closed and reused while we look at it.
            _handle.DangerousAddRef(ref added);
            return LockFileNative.Identity(_handle) == _identity
                && LockFileNative.Identity(Path) == _identity
                && (!_kernelListsLock || KernelListsFlock(_handle) == true);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>Releases the lock (LOCK_UN) and closes the descriptor. The lock file itself stays.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ = LockFileNative.Flock(_handle, LockFileNative.LockUn);
        _handle.Dispose();
    }

    /// <summary>Whether <see cref="IsStillHeld"/> also checks /proc/self/fdinfo (the kernel listed our flock when we took it).</summary>
    internal bool ChecksKernelLockList => _kernelListsLock;

    /// <summary>
    /// Test hook: drops the flock (LOCK_UN) but keeps the descriptor open and the file in place, the one way of
    /// losing the lock that only the /proc/self/fdinfo check can see.
    /// </summary>
    internal void UnlockKeepingDescriptorForTesting() => _ = LockFileNative.Flock(_handle, LockFileNative.LockUn);

    private static string Prepare(string directory, string nodeName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        LockFileNative.EnsureSupported();
        Directory.CreateDirectory(directory);
        return LockFilePath(directory);
    }

    /// <summary>After a successful flock: the identity of the locked file if the path still names it, else null.</summary>
    private static FileIdentity? LockedFileIsAtPath(LockFileHandle handle, string path)
    {
        var locked = LockFileNative.Identity(handle);
        return locked is not null && LockFileNative.Identity(path) == locked ? locked : null;
    }

    /// <summary>True/false if /proc/self/fdinfo shows/does not show a FLOCK WRITE lock on the descriptor; null if unreadable.</summary>
    private static bool? KernelListsFlock(LockFileHandle handle)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/self/fdinfo/{handle.Descriptor.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("lock:", StringComparison.Ordinal)
                && line.Contains("FLOCK", StringComparison.Ordinal)
                && line.Contains("WRITE", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Who holds the lock, for operators (<c>cat master.lock</c>). Best effort: a failure does not give up the lock.</summary>
    private static void WriteHolderInfo(LockFileHandle handle, string nodeName)
    {
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"pid={Environment.ProcessId}\nnode={nodeName.ReplaceLineEndings(" ")}\nacquired={DateTimeOffset.UtcNow:O}\n");
        _ = LockFileNative.TryOverwrite(handle, Encoding.UTF8.GetBytes(text));
    }

    private static IOException FlockError(string path, int errno) =>
        new($"flock({path}) failed: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);

    private static IOException ReplacedTooOften(string path) =>
        new($"The lock file {path} was deleted or replaced {MaxReopenAttempts} times in a row while being locked; something is tampering with it.");
}
