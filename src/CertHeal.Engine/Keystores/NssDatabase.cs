using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// An NSS "sql:" database (cert9.db, key4.db, pkcs11.txt): Firefox profiles, Chromium's
/// ~/.pki/nssdb, the system's /etc/pki/nssdb. cert9.db is SQLite a browser may hold open, so it
/// is never replaced by a rename: it is a <see cref="JournaledStore"/> changed through certutil.
/// The lock, journal and backup live in a `.certheal` folder inside the database's folder (mode
/// 0700, since the backup holds key4.db), so every user and process that writes the database
/// shares them.
/// </summary>
internal sealed class NssDatabase : JournaledStore
{
    public const string Prefix = "sql:";

    private static readonly string[] DatabaseFiles = ["cert9.db", "key4.db", "pkcs11.txt"];

    private readonly string _folder;

    private NssDatabase(string path) : base(path) => _folder = FolderOf(path);

    public static NssDatabase For(string path) => new(path);

    /// <summary>The database's folder, from `sql:/dir` or `/dir`.</summary>
    public static string FolderOf(string path) => KeystoreFormats.IsNssPath(path) ? path[Prefix.Length..] : path;

    public static bool IsDatabaseFolder(string path) => Directory.Exists(path) && File.Exists(System.IO.Path.Combine(path, DatabaseFiles[0]));

    public override KeystoreFormat Format => KeystoreFormat.Nss;

    protected override string Stem => "nss";

    protected override string LockFolder(bool create) => StateFolder(create);

    protected override string JournalFolder(bool create) => StateFolder(create);

    /// <summary>A folder of copies of the database files as they were before CertHeal's last change.</summary>
    public override string BackupPath(bool create = false)
    {
        return StateFolder(create, "backup");
    }

    public override void EnsureAvailable()
    {
        if (!IsDatabaseFolder(_folder))
        {
            throw new KeystoreException(KeystoreErrorKind.NotFound, Path,
                $"'{Path}' holds no NSS database (no cert9.db in '{_folder}'); check the path, or create an empty database with: certutil -N -d {Prefix}{_folder} --empty-password");
        }
    }

    public override ICertificateStoreBackend OpenBackend(bool writable) => new NssCertificateStoreBackend(Path, BackupPath());

    protected override Keystore Read(ICertificateStoreBackend backend)
    {
        var keystore = new Keystore { Path = Path, Format = KeystoreFormat.Nss };
        foreach (var listed in ((NssCertificateStoreBackend)backend).Entries())
        {
            keystore.Entries.Add(new KeystoreEntry
            {
                Alias = listed.Nickname,
                EntryType = NssTrust.HasPrivateKey(listed.Trust) ? KeystoreEntryType.PrivateKey
                    : NssTrust.IsTlsAnchor(listed.Trust, listed.Certificate) ? KeystoreEntryType.TrustedCertificate
                    : KeystoreEntryType.Other,
                Certificate = listed.Certificate,
                Origin = new NssEntryOrigin(listed.Nickname, listed.Trust),
            });
        }
        return keystore;
    }

    protected override void CheckWritable(ICertificateStoreBackend backend, IReadOnlyCollection<X509Certificate2> removed)
    {
        var nss = (NssCertificateStoreBackend)backend;
        if (nss.RequiresPassword())
        {
            throw new KeystoreException(KeystoreErrorKind.PasswordRequired, Path,
                $"The NSS database '{Path}' is protected by a password (a Firefox primary password), which CertHeal does not handle, so it was left unchanged; remove the password (Firefox settings, or certutil -W -d {Prefix}{_folder}) or add the certificates there by hand.");
        }
        if (nss.SharedNicknames(removed).FirstOrDefault() is { } shared)
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, Path,
                $"The NSS database '{Path}' holds several certificates under the nickname '{shared}', and certutil removes by nickname, so the change was not made; delete the old one with certutil -D and merge again.");
        }
    }

    /// <summary>Copies of cert9.db, key4.db and pkcs11.txt, each written whole through StoreWrite.</summary>
    protected override string BackUp(ICertificateStoreBackend backend, IReadOnlyCollection<X509Certificate2> before)
    {
        var backup = BackupPath(create: true);
        foreach (var name in DatabaseFiles)
        {
            var source = System.IO.Path.Combine(_folder, name);
            if (File.Exists(source))
            {
                StoreWrite.Replace(System.IO.Path.Combine(backup, name), File.ReadAllBytes(source));
            }
        }
        return backup;
    }

    private string StateFolder(bool create, string? child = null)
    {
        if (child is not null)
        {
            StateFolder(create);
        }
        var folder = child is null ? System.IO.Path.Combine(_folder, ".certheal") : System.IO.Path.Combine(_folder, ".certheal", child);
        if (create && !Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        return folder;
    }
}
