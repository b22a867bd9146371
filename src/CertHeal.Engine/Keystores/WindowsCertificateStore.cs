using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Cert:\CurrentUser\Root style paths, through X509Store, on Windows only. The store has its own
/// transactions, so there is no temporary file, rename or .bak here.
/// </summary>
internal static class WindowsCertificateStore
{
    public static (StoreLocation Location, string Name) Parse(string path)
    {
        var parts = path["Cert:".Length..].Trim('\\', '/').Split(['\\', '/'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !Enum.TryParse<StoreLocation>(parts[0], ignoreCase: true, out var location))
        {
            throw new KeystoreException(KeystoreErrorKind.NotFound, path, $"'{path}' is not a certificate store path; use Cert:\\CurrentUser\\Root or Cert:\\LocalMachine\\CA style paths.");
        }
        return (location, parts[1]);
    }

    public static Keystore Read(string path)
    {
        EnsureWindows(path);
        var (location, name) = Parse(path);
        using var store = new X509Store(name, location);
        store.Open(OpenFlags.ReadOnly);
        var keystore = new Keystore { Path = path, Format = KeystoreFormat.WindowsStore };
        foreach (var certificate in store.Certificates)
        {
            keystore.Entries.Add(new KeystoreEntry { Alias = certificate.Thumbprint, EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate, Opaque = new WindowsStoreOrigin(certificate.Thumbprint) });
        }
        return keystore;
    }

    public static bool Apply(Keystore before, Keystore after)
    {
        EnsureWindows(after.Path);
        var (location, name) = Parse(after.Path);
        using var store = new X509Store(name, location);
        store.Open(OpenFlags.ReadWrite);
        var kept = after.Entries.Select(e => e.Certificate?.Thumbprint).ToHashSet();
        var changed = false;
        foreach (var removed in before.Entries.Where(e => e.Certificate is not null && !kept.Contains(e.Certificate.Thumbprint)))
        {
            store.Remove(removed.Certificate!);
            changed = true;
        }
        // Another format's origin says nothing about this store, so such an entry is added.
        foreach (var added in after.Entries.Where(e => e.Opaque is not WindowsStoreOrigin && e.Certificate is not null))
        {
            store.Add(added.Certificate!);
            changed = true;
        }
        return changed;
    }

    private static void EnsureWindows(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, path, $"'{path}' is a Windows certificate store path; on this system use a PEM, PKCS#12, JKS or folder keystore.");
        }
    }
}
