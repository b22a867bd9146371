using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// A store whose change is a sequence of single adds and removes through an
/// <see cref="ICertificateStoreBackend"/> (a Windows certificate store, an NSS database) rather
/// than one file CertHeal can rename into place. Crash safety comes from <see cref="StoreJournal"/>
/// under a <see cref="KeystoreLock"/>; this class owns where the lock, journal and backup live
/// and the open/recover/apply sequence, so every such store runs the same, tested code.
/// </summary>
internal abstract class JournaledStore
{
    protected JournaledStore(string path) => Path = path;

    /// <summary>The store as the user names it (Cert:\CurrentUser\Root, sql:/home/u/.pki/nssdb).</summary>
    public string Path { get; }

    public abstract KeystoreFormat Format { get; }

    /// <summary>A file-name stem for this store's lock, journal and backup.</summary>
    protected abstract string Stem { get; }

    /// <summary>Where the lock lives; created only for a write, so reading a store leaves no folder behind.</summary>
    protected abstract string LockFolder(bool create);

    /// <summary>Where the journal and the backup live.</summary>
    protected abstract string JournalFolder(bool create);

    /// <summary>Throws one sentence when the store cannot be used on this machine (no Windows, no certutil).</summary>
    public abstract void EnsureAvailable();

    public abstract ICertificateStoreBackend OpenBackend(bool writable);

    /// <summary>The store's entries, as the backend lists them.</summary>
    protected abstract Keystore Read(ICertificateStoreBackend backend);

    /// <summary>Keeps the whole store before a change, so a user can go back by hand; returns where.</summary>
    protected virtual string BackUp(ICertificateStoreBackend backend, IReadOnlyCollection<X509Certificate2> before)
    {
        var backup = BackupPath(create: true);
        StoreWrite.Replace(backup, System.Text.Encoding.ASCII.GetBytes(string.Concat(before.Select(c => NonCanonicalCertificate.Pem(c) + "\n"))));
        return backup;
    }

    /// <summary>Refuses a change the backend cannot make in full, before anything is journaled; nothing by default.</summary>
    protected virtual void CheckWritable(ICertificateStoreBackend backend, IReadOnlyCollection<X509Certificate2> removed)
    {
    }

    /// <summary>Lock file base path (KeystoreLock adds `.lock`).</summary>
    public string LockPath => System.IO.Path.Combine(LockFolder(create: true), Stem);

    public string JournalPath(bool create = false) => System.IO.Path.Combine(JournalFolder(create), Stem + ".journal");

    /// <summary>What <see cref="BackUp"/> writes: by default the whole store before CertHeal's last change, as a PEM bundle a user can import again.</summary>
    public virtual string BackupPath(bool create = false) => System.IO.Path.Combine(JournalFolder(create), Stem + ".bak.pem");

    public bool Pending => File.Exists(JournalPath());

    /// <summary>
    /// A reader that finds a journal must not see a half-applied change, so it finishes the change
    /// first; it takes the lock for that, because a live writer's journal is there too (the reader then waits for it).
    /// </summary>
    public Keystore Open(TimeSpan lockTimeout)
    {
        EnsureAvailable();
        if (Pending)
        {
            using var storeLock = KeystoreLock.Acquire(LockPath, lockTimeout);
            Recover();
        }
        return Read();
    }

    public Keystore Read()
    {
        using var backend = OpenBackend(writable: false);
        return Read(backend);
    }

    /// <summary>Under the store's lock: finishes an interrupted change and clears what a killed writer left.</summary>
    public void Recover()
    {
        try
        {
            using var backend = OpenBackend(writable: true);
            backend.RemoveLeftovers();
            StoreWrite.RemoveStaleTemporaryFiles(JournalPath());
            StoreWrite.RemoveStaleTemporaryFiles(BackupPath());
            StoreJournal.RollForward(this, backend);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            // The journal stays, so a later run (e.g. with the rights this one lacked) finishes the change.
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, Path,
                $"An interrupted change to '{Path}' could not be finished ({e.Message.TrimEnd('.')}), so the store was not read; run the merge again with write access to the store.", e);
        }
    }

    /// <summary>Brings the store from <paramref name="before"/> to <paramref name="after"/>; the caller holds the store's lock. Returns the backup's path, or null when nothing changed.</summary>
    public string? Apply(Keystore before, Keystore after)
    {
        var from = Certificates(before);
        var to = Certificates(after);
        var wanted = to.Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (from.Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(wanted))
        {
            return null;
        }
        using var backend = OpenBackend(writable: true);
        CheckWritable(backend, from.Where(c => !wanted.Contains(c.Thumbprint)).ToList());
        var backup = BackUp(backend, from);
        StoreJournal.Apply(this, backend, to);
        return backup;
    }

    private static List<X509Certificate2> Certificates(Keystore keystore) =>
        keystore.Entries.Select(e => e.Certificate).OfType<X509Certificate2>()
            .DistinctBy(c => c.Thumbprint, StringComparer.OrdinalIgnoreCase).ToList();
}
