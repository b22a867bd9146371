namespace CertHeal.Keystores;

/// <summary>
/// Chooses the backend of a Cert:\ path. The variable exists so the Windows store's write path
/// is tested on Linux (a child `certheal` started by a test inherits it); it also moves the
/// store's lock, journal and backup under that folder, so tests never touch the user's CertHeal folder.
/// </summary>
internal static class CertificateStoreSeam
{
    internal const string RootVariable = "CERTHEAL_WINDOWS_STORE_ROOT";

    /// <summary>In-process tests set this instead of the variable, so tests running beside them keep the real behaviour.</summary>
    internal static readonly AsyncLocal<string?> TestRoot = new();

    internal static string? Root => TestRoot.Value ?? (Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } root ? Path.GetFullPath(root) : null);

    public static ICertificateStoreBackend Open(string path, bool writable)
    {
        EnsureAvailable(path);
        var (location, name) = WindowsCertificateStore.Parse(path);
        if (Root is { } root)
        {
            return new FolderCertificateStoreBackend(Path.Combine(root, location.ToString(), name));
        }
        return new X509StoreBackend(location, name, writable);
    }

    public static void EnsureAvailable(string path)
    {
        if (Root is null && !OperatingSystem.IsWindows())
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, path, $"'{path}' is a Windows certificate store path; on this system use a PEM, PKCS#12, JKS or folder keystore.");
        }
    }

    /// <summary>Where CertHeal keeps a store's lock, journal and backup, since the store itself has no file to put them beside.</summary>
    /// <remarks>Created only for a write (<paramref name="create"/>): reading a store leaves no folder behind.</remarks>
    public static string StateFolder(string kind, bool create)
    {
        var baseFolder = Root is { } root ? Path.Combine(root, ".certheal") : Path.GetDirectoryName(KeystoreMerger.DefaultKeystorePath())!;
        var folder = Path.Combine(baseFolder, kind);
        if (create)
        {
            Directory.CreateDirectory(folder);
        }
        return folder;
    }

    /// <summary>A file name for a store path (`Cert:\CurrentUser\Root` → `windows-Cert__CurrentUser_Root`).</summary>
    public static string FileStem(string path) => "windows-" + string.Concat(path.Select(c => char.IsLetterOrDigit(c) ? c : '_'));
}
