using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Keystores;

/// <summary>
/// A PEM bundle, written as system bundles are: a comment line with subject and expiry above
/// each certificate. PEM blocks that are not certificates (a private key someone keeps in the
/// same file) are kept verbatim, after the certificates.
/// </summary>
internal sealed class PemBundleCodec : IKeystoreCodec
{
    public KeystoreFormat Format => KeystoreFormat.PemBundle;

    public Keystore Read(byte[] bytes, string path, KeystorePassword? password)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var keystore = new Keystore { Path = path, Format = Format };
        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var offset = 0;
        while (PemEncoding.TryFind(text.AsSpan(offset), out var fields))
        {
            var block = text.Substring(offset + fields.Location.Start.Value, fields.Location.End.Value - fields.Location.Start.Value);
            var label = text.AsSpan(offset)[fields.Label].ToString();
            if (label == "CERTIFICATE")
            {
                try
                {
                    var certificate = X509Certificate2.CreateFromPem(block);
                    keystore.Entries.Add(new KeystoreEntry
                    {
                        Alias = KeystoreAliases.Derive(certificate, aliases),
                        EntryType = KeystoreEntryType.TrustedCertificate,
                        Certificate = certificate,
                    });
                }
                catch (CryptographicException e)
                {
                    keystore.Entries.Add(new KeystoreEntry
                    {
                        Alias = $"entry-{keystore.Entries.Count + 1}",
                        EntryType = KeystoreEntryType.Other,
                        Unreadable = $"the PEM block is not a valid certificate ({e.Message.TrimEnd('.')})",
                        Opaque = block,
                    });
                }
            }
            else
            {
                keystore.Entries.Add(new KeystoreEntry
                {
                    Alias = $"{label.ToLowerInvariant().Replace(' ', '-')}-{keystore.Entries.Count + 1}",
                    EntryType = label.Contains("PRIVATE KEY", StringComparison.Ordinal) ? KeystoreEntryType.PrivateKey : KeystoreEntryType.Other,
                    Opaque = block,
                });
            }
            offset += fields.Location.End.Value;
        }
        var armours = CountOccurrences(text, "-----BEGIN ");
        var found = keystore.Entries.Count;
        if (armours > found)
        {
            // PemEncoding skips a damaged block silently; rewriting would then drop it, so refuse.
            throw new KeystoreException(KeystoreErrorKind.Corrupt, path,
                $"The keystore '{path}' has {armours - found} damaged PEM block(s) (a BEGIN line without a valid body and END line); repair the file or restore it from its .bak.");
        }
        if (keystore.Entries.Count == 0 && text.Trim().Length > 0 && !text.Split('\n').All(l => l.Trim().Length == 0 || l.TrimStart().StartsWith('#')))
        {
            throw new KeystoreException(KeystoreErrorKind.Corrupt, path, $"The keystore '{path}' is not a PEM bundle (no BEGIN CERTIFICATE block); check the file or pass -Format.");
        }
        return keystore;
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    public byte[] Write(Keystore keystore, KeystorePassword? password)
    {
        var text = new StringBuilder();
        foreach (var entry in keystore.Entries.Where(e => e.EntryType == KeystoreEntryType.TrustedCertificate && e.Certificate is not null))
        {
            var certificate = entry.Certificate!;
            text.Append("# ").Append(certificate.Subject).Append(" (expires ")
                .Append(certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(")\n");
            text.Append(certificate.ExportCertificatePem()).Append('\n');
        }
        foreach (var entry in keystore.Entries.Where(e => e.Opaque is string))
        {
            text.Append((string)entry.Opaque!).Append('\n');
        }
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
