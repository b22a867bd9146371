using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// A folder of certificate files (as /etc/ssl/certs or a Java app's certs dir): one file per
/// certificate, named from the subject and a short fingerprint. Each file is written through a
/// temporary file and a rename; files CertHeal did not write are never touched.
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
                var collection = new X509Certificate2Collection();
                var bytes = File.ReadAllBytes(file);
                if (KeystoreFormats.Detect(bytes) == KeystoreFormat.PemBundle)
                {
                    collection.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
                }
                else
                {
                    collection.Add(new X509Certificate2(bytes));
                }
                foreach (var certificate in collection)
                {
                    keystore.Entries.Add(new KeystoreEntry { Alias = alias, EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate, Opaque = file });
                }
            }
            catch (CryptographicException e)
            {
                keystore.Entries.Add(new KeystoreEntry { Alias = alias, EntryType = KeystoreEntryType.Other, Unreadable = $"'{file}' is not a certificate ({e.Message.TrimEnd('.')})", Opaque = file });
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
        var keptFiles = after.Entries.Select(e => e.Opaque as string).Where(f => f is not null).ToHashSet();
        foreach (var removed in before.Entries.Select(e => e.Opaque as string).Where(f => f is not null && !keptFiles.Contains(f)).Distinct())
        {
            File.Move(removed!, removed + ".bak", overwrite: true);
            changed = true;
        }
        foreach (var entry in after.Entries.Where(e => e.Opaque is null && e.Certificate is not null))
        {
            var file = Path.Combine(after.Path, FileName(entry.Certificate!));
            var temp = Path.Combine(after.Path, "." + Path.GetFileName(file) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                {
                    stream.Write(System.Text.Encoding.ASCII.GetBytes(entry.Certificate!.ExportCertificatePem() + "\n"));
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temp, file, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
            entry.Opaque = file;
            entry.Alias = Path.GetFileNameWithoutExtension(file);
            changed = true;
        }
        return changed;
    }
}
