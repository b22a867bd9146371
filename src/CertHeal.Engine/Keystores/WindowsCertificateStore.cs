using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Cert:\CurrentUser\Root style paths. The store (through <see cref="ICertificateStoreBackend"/>)
/// has no file to rename, and a change is several adds and removes, so crash safety comes from
/// <see cref="WindowsStoreJournal"/> under a lock in the CertHeal state folder instead of StoreWrite's rename.
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

    /// <summary>
    /// Lock file base path for the store: in the CertHeal state folder, since the store has no folder of its own.
    /// </summary>
    public static string LockPath(string path) => Path.Combine(CertificateStoreSeam.StateFolder("locks", create: true), CertificateStoreSeam.FileStem(path));

    /// <summary>
    /// A reader that finds a journal must not see a half-applied change, so it finishes the change
    /// first; it takes the lock for that, because a live writer's journal is there too (the reader then waits for it).
    /// </summary>
    public static Keystore Open(string path, TimeSpan lockTimeout)
    {
        CertificateStoreSeam.EnsureAvailable(path);
        if (WindowsStoreJournal.Pending(path))
        {
            using var storeLock = KeystoreLock.Acquire(LockPath(path), lockTimeout);
            Recover(path);
        }
        return Read(path);
    }

    /// <summary>Under the store's lock: finishes an interrupted change and clears what a killed writer left.</summary>
    public static void Recover(string path)
    {
        try
        {
            using var backend = CertificateStoreSeam.Open(path, writable: true);
            backend.RemoveLeftovers();
            StoreWrite.RemoveStaleTemporaryFiles(WindowsStoreJournal.JournalPath(path));
            StoreWrite.RemoveStaleTemporaryFiles(WindowsStoreJournal.BackupPath(path));
            WindowsStoreJournal.RollForward(path, backend);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            // The journal stays, so a later run (e.g. with the rights this one lacked) finishes the change.
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path,
                $"An interrupted change to '{path}' could not be finished ({e.Message.TrimEnd('.')}), so the store was not read; run the merge again with write access to the store.", e);
        }
    }

    public static Keystore Read(string path)
    {
        using var backend = CertificateStoreSeam.Open(path, writable: false);
        var keystore = new Keystore { Path = path, Format = KeystoreFormat.WindowsStore };
        foreach (var certificate in backend.List())
        {
            keystore.Entries.Add(new KeystoreEntry { Alias = certificate.Thumbprint, EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate, Origin = new WindowsStoreOrigin(certificate.Thumbprint) });
        }
        return keystore;
    }

    /// <summary>Brings the store from <paramref name="before"/> to <paramref name="after"/>; the caller holds the store's lock.</summary>
    public static bool Apply(Keystore before, Keystore after)
    {
        using var backend = CertificateStoreSeam.Open(after.Path, writable: true);
        return WindowsStoreJournal.Apply(after.Path, backend, Certificates(before), Certificates(after));
    }

    private static List<X509Certificate2> Certificates(Keystore keystore) =>
        keystore.Entries.Select(e => e.Certificate).OfType<X509Certificate2>()
            .DistinctBy(c => c.Thumbprint, StringComparer.OrdinalIgnoreCase).ToList();
}
