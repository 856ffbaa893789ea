using System.Runtime.InteropServices;

namespace OrleansHa.Grains.Storage;

/// <summary>
/// A raw file descriptor from open(2). Closing it (the last descriptor of its open file description) releases
/// any flock held through it. Being a <see cref="SafeHandle"/>, a close requested while another thread is inside
/// a call on it (a blocked flock) is deferred until that call returns.
/// </summary>
internal sealed class LockFileHandle : SafeHandle
{
    internal LockFileHandle(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The descriptor number (for /proc/self/fdinfo).</summary>
    internal int Descriptor => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => LockFileNative.Close((int)handle.ToInt64()) == 0;
}
