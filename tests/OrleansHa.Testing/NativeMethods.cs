using System.ComponentModel;
using System.Runtime.InteropServices;

namespace OrleansHa.Testing;

/// <summary>POSIX signals sent with libc's kill(2).</summary>
internal static partial class NativeMethods
{
    internal static int SigTerm => 15;

    internal static int SigKill => 9;

    internal static int SigStop => OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 17 : 19;

    internal static int SigCont => OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 19 : 18;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; throws <see cref="Win32Exception"/> on failure.</summary>
    internal static void SendSignal(int pid, int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            throw new PlatformNotSupportedException("Sending POSIX signals needs a Unix-like OS.");
        }

        if (Kill(pid, signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"kill({pid}, {signal}) failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
