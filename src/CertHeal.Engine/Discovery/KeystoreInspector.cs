using CertHeal.Keystores;

namespace CertHeal.Discovery;

/// <summary>
/// Reads a found store without changing it: its format (from content), how many entries it
/// holds, whether a well-known default password really opens it, and whether this user could
/// replace it.
/// </summary>
internal static class KeystoreInspector
{
    /// <returns>False when the place is not a readable keystore after all (skipped with a verbose line).</returns>
    public static bool Inspect(DiscoveryContext context, KeystoreLocation location, IReadOnlyList<string> defaults)
    {
        var path = location.Path;
        try
        {
            var format = KeystoreFormats.Detect(path);
            location.Format = format.ToString();
            Keystore? keystore = null;
            if (WellKnownPasswords.Find(path, format, defaults) is { } opened)
            {
                (location.PasswordHint, keystore) = opened;
            }
            if (keystore is null)
            {
                try
                {
                    keystore = KeystoreFile.Open(path, format, null);
                }
                catch (KeystoreException e) when (e.Kind is KeystoreErrorKind.PasswordRequired or KeystoreErrorKind.WrongPassword)
                {
                    context.Skip($"'{path}' needs a password to list its entries; EntryCount is left empty.");
                }
            }
            location.EntryCount = keystore?.Entries.Count;
            location.Writable = Writable(path, format);
            return true;
        }
        catch (KeystoreException e)
        {
            context.Skip($"'{path}' was found but is not a readable keystore ({e.Message.TrimEnd('.')}); skipped.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            context.Skip($"'{path}' could not be read ({e.Message.TrimEnd('.')}); skipped.");
        }
        return false;
    }

    private static bool Writable(string path, KeystoreFormat format)
    {
        if (format == KeystoreFormat.WindowsStore)
        {
            return WindowsStoreWritable(path);
        }
        if (format == KeystoreFormat.Directory)
        {
            return NativePaths.CanWrite(path);
        }
        if (format == KeystoreFormat.Nss)
        {
            // certutil changes cert9.db in place and CertHeal keeps its lock and journal in the folder.
            var database = NssDatabase.FolderOf(path);
            return NativePaths.CanWrite(database) && NativePaths.CanWrite(Path.Combine(database, "cert9.db"));
        }
        // The write path renames a temporary file over the store, so its folder must be writable too.
        return NativePaths.CanWrite(path) && Path.GetDirectoryName(path) is { } folder && NativePaths.CanWrite(folder);
    }

    private static bool WindowsStoreWritable(string path)
    {
        if (Keystores.CertificateStoreSeam.Root is not null)
        {
            return true; // the test seam's folder: the same writes, so discovery reports the store as tests use it
        }
        if (!OperatingSystem.IsWindows())
        {
            return false;
        }
        try
        {
            var (location, name) = WindowsCertificateStore.Parse(path);
            using var store = new System.Security.Cryptography.X509Certificates.X509Store(name, location);
            store.Open(System.Security.Cryptography.X509Certificates.OpenFlags.ReadWrite | System.Security.Cryptography.X509Certificates.OpenFlags.OpenExistingOnly);
            return true;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
