using System.Runtime.InteropServices;

namespace OrleansHa.Grains.Storage;

/// <summary>
/// The few libc calls <see cref="MasterLock"/> needs: open, flock, fstat/stat, ftruncate, pwrite, fsync.
/// Linux (glibc 2.33 or newer, which exports <c>stat</c> and <c>fstat</c> as symbols) on x86-64 or arm64,
/// where <c>struct stat</c> starts with <c>st_dev</c> (8 bytes) and <c>st_ino</c> (8 bytes).
/// </summary>
internal static unsafe partial class LockFileNative
{
    internal const int LockEx = 2;
    internal const int LockNb = 4;
    internal const int LockUn = 8;

    internal const int EIntr = 4;
    internal const int EAgain = 11;
    internal const int ENoEnt = 2;

    private const int ORdOnly = 0x0;
    private const int ORdWr = 0x2;
    private const int OCreat = 0x40;

    // The lock must never leak into a child process: a child that inherited the descriptor would keep the
    // lock alive after this process died, and the standby would wait for the child instead.
    private const int OCloExec = 0x80000;

    // Larger than struct stat on every supported ABI (144 bytes on x86-64, 128 on arm64).
    private const int StatBufferSize = 256;

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> unless the layout assumptions above hold.</summary>
    internal static void EnsureSupported()
    {
        if (!OperatingSystem.IsLinux()
            || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            throw new PlatformNotSupportedException(
                $"The master lock needs Linux on x86-64 or arm64 (this is {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}).");
        }
    }

    /// <summary>Opens (creating if missing, mode 0644) <paramref name="path"/> read-write with O_CLOEXEC.</summary>
    internal static LockFileHandle OpenLockFile(string path)
    {
        var fd = Open(path, ORdWr | OCreat | OCloExec, 0b110_100_100);
        if (fd < 0)
        {
            throw Error("open", path);
        }

        return new LockFileHandle(fd);
    }

    /// <summary>
    /// The file's content (at most <paramref name="maxBytes"/>), read without taking any lock, or null if it does
    /// not exist. (.NET's own file APIs take <c>flock(LOCK_SH|LOCK_NB)</c> on open and so fail while the lock is held.)
    /// </summary>
    internal static byte[]? TryReadAll(string path, int maxBytes)
    {
        var fd = Open(path, ORdOnly | OCloExec, 0);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError() == ENoEnt ? null : throw Error("open", path);
        }

        using var handle = new LockFileHandle(fd);
        var buffer = new byte[maxBytes];
        var total = 0;
        fixed (byte* bytes = buffer)
        {
            while (total < maxBytes)
            {
                var n = PRead(handle, bytes + total, maxBytes - total, total);
                if (n < 0 && Marshal.GetLastPInvokeError() == EIntr)
                {
                    continue;
                }

                if (n < 0)
                {
                    throw Error("pread", path);
                }

                if (n == 0)
                {
                    break;
                }

                total += (int)n;
            }
        }

        return buffer[..total];
    }

    /// <summary>flock(2), retried on EINTR. Returns 0 on success, else the errno.</summary>
    internal static int Flock(LockFileHandle handle, int operation)
    {
        while (true)
        {
            if (FlockCore(handle, operation) == 0)
            {
                return 0;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != EIntr)
            {
                return errno;
            }
        }
    }

    /// <summary>The (device, inode) of the open file, or null if fstat fails (e.g. the descriptor is closed).</summary>
    internal static FileIdentity? Identity(LockFileHandle handle)
    {
        var buffer = stackalloc byte[StatBufferSize];
        return FStat(handle, buffer) == 0 ? ReadIdentity(buffer) : null;
    }

    /// <summary>The (device, inode) the path names now, or null if it names nothing (or stat fails).</summary>
    internal static FileIdentity? Identity(string path)
    {
        var buffer = stackalloc byte[StatBufferSize];
        return Stat(path, buffer) == 0 ? ReadIdentity(buffer) : null;
    }

    /// <summary>Replaces the whole file's content with <paramref name="content"/> and fsyncs; false on any failure.</summary>
    internal static bool TryOverwrite(LockFileHandle handle, ReadOnlySpan<byte> content)
    {
        if (FTruncate(handle, 0) != 0)
        {
            return false;
        }

        fixed (byte* bytes = content)
        {
            var written = 0;
            while (written < content.Length)
            {
                var n = PWrite(handle, bytes + written, content.Length - written, written);
                if (n < 0 && Marshal.GetLastPInvokeError() == EIntr)
                {
                    continue;
                }

                if (n <= 0)
                {
                    return false;
                }

                written += (int)n;
            }
        }

        return FSync(handle) == 0;
    }

    internal static IOException Error(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call}({path}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }

    private static FileIdentity ReadIdentity(byte* buffer) =>
        new(*(ulong*)buffer, *(ulong*)(buffer + sizeof(ulong)));

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockCore(LockFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(LockFileHandle fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int FTruncate(LockFileHandle fd, long length);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static partial nint PWrite(LockFileHandle fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PRead(LockFileHandle fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(LockFileHandle fd);
}

/// <summary>A file's identity: the device and inode numbers from stat(2).</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode);
