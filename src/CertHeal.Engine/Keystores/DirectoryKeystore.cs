using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// A folder of certificate files (as /etc/ssl/certs or a Java app's certs dir): one file per
/// certificate, named from the subject and a short fingerprint. Each file is written through
/// StoreWrite under the folder's lock (KeystoreFile.Update holds it); files CertHeal did not write are never touched. Each new file
/// also gets OpenSSL's `&lt;subject-hash&gt;.&lt;n&gt;` symbolic link (what `openssl rehash` makes),
/// because OpenSSL clients look certificates up in a -CApath folder only by that name.
/// </summary>
internal static class DirectoryKeystore
{
    private static readonly string[] Extensions = [".pem", ".crt", ".cer", ".der"];

    public static Keystore Read(string path)
    {
        var keystore = new Keystore { Path = path, Format = KeystoreFormat.Directory, IsNew = !Directory.Exists(path) };
        if (keystore.IsNew)
        {
            return keystore;
        }
        foreach (var file in Directory.EnumerateFiles(path).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal))
        {
            var alias = Path.GetFileNameWithoutExtension(file);
            try
            {
                var bytes = File.ReadAllBytes(file);
                var collection = KeystoreFormats.Detect(bytes) == KeystoreFormat.PemBundle
                    ? NonCanonicalCertificate.LoadPem(System.Text.Encoding.ASCII.GetString(bytes))
                    : [NonCanonicalCertificate.Load(bytes)];
                foreach (var certificate in collection)
                {
                    keystore.Entries.Add(new KeystoreEntry { Alias = alias, EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate, Origin = new FolderFileOrigin(file) });
                }
            }
            catch (CryptographicException e)
            {
                keystore.Entries.Add(new KeystoreEntry { Alias = alias, EntryType = KeystoreEntryType.Other, Unreadable = $"'{file}' is not a certificate ({e.Message.TrimEnd('.')})", Origin = new FolderFileOrigin(file) });
            }
        }
        return keystore;
    }

    public static string FileName(X509Certificate2 certificate)
    {
        var alias = KeystoreAliases.Derive(certificate, new HashSet<string>());
        return $"{alias}-{CertificateFacts.Sha256Fingerprint(certificate)[..8].ToLowerInvariant()}.pem";
    }

    /// <summary>Writes new and replaced entries as files, removes the files of removed entries; returns whether anything changed.</summary>
    public static bool Apply(Keystore before, Keystore after)
    {
        Directory.CreateDirectory(after.Path);
        var changed = false;
        var keptFiles = Files(after).ToHashSet();
        foreach (var removed in Files(before).Where(f => !keptFiles.Contains(f)).Distinct())
        {
            StoreWrite.Retire(removed, removed + ".bak");
            RemoveLinksTo(after.Path, removed);
            changed = true;
        }
        // Another format's origin names no file here, so such an entry is written as new.
        foreach (var entry in after.Entries.Where(e => e.Origin is not FolderFileOrigin && e.Certificate is not null))
        {
            var file = Path.Combine(after.Path, FileName(entry.Certificate!));
            var certificate = entry.Certificate!;
            StoreWrite.Replace(file, System.Text.Encoding.ASCII.GetBytes(NonCanonicalCertificate.Pem(certificate) + "\n"), written =>
            {
                if (!NonCanonicalCertificate.LoadPem(System.Text.Encoding.ASCII.GetString(written)).Any(c => NonCanonicalCertificate.Same(c, NonCanonicalCertificate.Der(certificate))))
                {
                    throw new IOException($"the new file '{file}' did not read back as written");
                }
            });
            LinkSubjectHash(after.Path, file, entry.Certificate!);
            entry.Origin = new FolderFileOrigin(file);
            entry.Alias = Path.GetFileNameWithoutExtension(file);
            changed = true;
        }
        return changed;
    }

    private static IEnumerable<string> Files(Keystore keystore) =>
        keystore.Entries.Select(e => e.Origin).OfType<FolderFileOrigin>().Select(o => o.Path);

    /// <summary>
    /// Adds `&lt;hash&gt;.&lt;n&gt;` for <paramref name="file"/> at the first free n, unless a link or file
    /// of that hash already holds the same certificate; existing links are left as they are.
    /// </summary>
    private static void LinkSubjectHash(string folder, string file, X509Certificate2 certificate)
    {
        var hash = OpenSslSubjectHash.Of(certificate.SubjectName.RawData);
        for (var n = 0; n < 1000; n++)
        {
            var link = new FileInfo(Path.Combine(folder, $"{hash}.{n}"));
            if (!link.Exists && link.LinkTarget is null)
            {
                if (OperatingSystem.IsWindows())
                {
                    // Symbolic links need a privilege on Windows; a copy is what `openssl rehash` makes there.
                    File.Copy(file, link.FullName);
                }
                else
                {
                    File.CreateSymbolicLink(link.FullName, Path.GetFileName(file));
                }
                return;
            }
            if (link.Exists && Holds(link.FullName, certificate))
            {
                return;
            }
        }
    }

    private static bool Holds(string path, X509Certificate2 certificate)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            var collection = KeystoreFormats.Detect(bytes) == KeystoreFormat.PemBundle
                ? NonCanonicalCertificate.LoadPem(System.Text.Encoding.ASCII.GetString(bytes))
                : [NonCanonicalCertificate.Load(bytes)];
            return collection.Any(c => NonCanonicalCertificate.Same(c, NonCanonicalCertificate.Der(certificate)));
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Removes the hash links that pointed at a file this update removed (they would dangle).</summary>
    private static void RemoveLinksTo(string folder, string removed)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(folder))
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target && Path.GetFullPath(target, folder) == Path.GetFullPath(removed))
            {
                info.Delete();
            }
        }
    }
}
