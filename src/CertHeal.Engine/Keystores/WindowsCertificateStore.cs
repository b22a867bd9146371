using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Cert:\CurrentUser\Root style paths. The store (through <see cref="ICertificateStoreBackend"/>)
/// has no file to rename, and a change is several adds and removes, so it is a
/// <see cref="JournaledStore"/>; its lock, journal and backup live in the CertHeal state folder,
/// since the store has no folder of its own.
/// </summary>
internal sealed class WindowsCertificateStore : JournaledStore
{
    private WindowsCertificateStore(string path) : base(path)
    {
    }

    public static WindowsCertificateStore For(string path) => new(path);

    public static (StoreLocation Location, string Name) Parse(string path)
    {
        var parts = path["Cert:".Length..].Trim('\\', '/').Split(['\\', '/'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !Enum.TryParse<StoreLocation>(parts[0], ignoreCase: true, out var location))
        {
            throw new KeystoreException(KeystoreErrorKind.NotFound, path, $"'{path}' is not a certificate store path; use Cert:\\CurrentUser\\Root or Cert:\\LocalMachine\\CA style paths.");
        }
        return (location, parts[1]);
    }

    public override KeystoreFormat Format => KeystoreFormat.WindowsStore;

    protected override string Stem => CertificateStoreSeam.FileStem(Path);

    protected override string LockFolder(bool create) => CertificateStoreSeam.StateFolder("locks", create);

    protected override string JournalFolder(bool create) => CertificateStoreSeam.StateFolder("stores", create);

    public override void EnsureAvailable() => CertificateStoreSeam.EnsureAvailable(Path);

    public override ICertificateStoreBackend OpenBackend(bool writable) => CertificateStoreSeam.Open(Path, writable);

    protected override Keystore Read(ICertificateStoreBackend backend)
    {
        var keystore = new Keystore { Path = Path, Format = KeystoreFormat.WindowsStore };
        foreach (var certificate in backend.List())
        {
            keystore.Entries.Add(new KeystoreEntry { Alias = certificate.Thumbprint, EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate, Origin = new WindowsStoreOrigin(certificate.Thumbprint) });
        }
        return keystore;
    }
}
