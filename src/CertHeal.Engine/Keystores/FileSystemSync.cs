using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CertHeal.Keystores;

/// <summary>
/// syncfs(2): makes everything written to one file system durable in one call, so a batch of
/// files costs one journal commit rather than one fsync each. Linux only; elsewhere the caller
/// falls back to flushing each file.
/// </summary>
internal static class FileSystemSync
{
    /// <summary>True when the file system holding <paramref name="handle"/> was synced.</summary>
    public static bool Sync(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return SyncFs(handle.DangerousGetHandle().ToInt32()) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFs(int fd);
}
