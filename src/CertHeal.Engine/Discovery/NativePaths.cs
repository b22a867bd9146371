using System.Runtime.InteropServices;

namespace CertHeal.Discovery;

/// <summary>
/// The real file behind a path (every link component resolved, as realpath(3) does) and
/// whether this user may write it (access(2), which also sees read-only mounts and immutable
/// files), without touching the file.
/// </summary>
internal static class NativePaths
{
    private const int WriteOk = 2;

    public static string RealPath(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var resolved = RealPathNative(path, IntPtr.Zero);
            if (resolved != IntPtr.Zero)
            {
                try
                {
                    return Marshal.PtrToStringUTF8(resolved) ?? path;
                }
                finally
                {
                    Free(resolved);
                }
            }
            return Path.GetFullPath(path);
        }
        var full = Path.GetFullPath(path);
        try
        {
            FileSystemInfo info = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full);
            return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }

    public static bool CanWrite(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            return Access(path, WriteOk) == 0;
        }
        try
        {
            if (Directory.Exists(path))
            {
                return !new DirectoryInfo(path).Attributes.HasFlag(FileAttributes.ReadOnly);
            }
            if (new FileInfo(path).IsReadOnly)
            {
                return false;
            }
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "realpath", CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern IntPtr RealPathNative(string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr pointer);

    [DllImport("libc", EntryPoint = "access", CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern int Access(string path, int mode);
}
