using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Keystores;

/// <summary>
/// A PEM bundle, written as system bundles are: a comment line with subject and expiry above
/// each new certificate. What the file already holds stays exactly where and as it was: text
/// outside certificate blocks (comments, `openssl x509 -text` dumps, "Bag Attributes" lines) and
/// PEM blocks that are not certificates (a private key someone keeps in the same file); only a
/// removed entry's block goes, and new certificates are appended. `BEGIN X509 CERTIFICATE`
/// (an older OpenSSL label) is read as a certificate, as OpenSSL reads it.
/// </summary>
internal sealed class PemBundleCodec : IKeystoreCodec
{
    public KeystoreFormat Format => KeystoreFormat.PemBundle;

    public Keystore Read(byte[] bytes, string path, KeystorePassword? password)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var keystore = new Keystore { Path = path, Format = Format };
        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var layout = new PemStoreOrigin(text, []);
        keystore.Origin = layout;
        var offset = 0;
        while (PemEncoding.TryFind(text.AsSpan(offset), out var fields))
        {
            var block = text.Substring(offset + fields.Location.Start.Value, fields.Location.End.Value - fields.Location.Start.Value);
            var label = text.AsSpan(offset)[fields.Label].ToString();
            var position = (offset + fields.Location.Start.Value, offset + fields.Location.End.Value);
            if (label is "CERTIFICATE" or "X509 CERTIFICATE")
            {
                if (CertificateDeferral.Active && Deferred(text, fields, offset, position, aliases) is { } deferred)
                {
                    layout.Blocks.Add(deferred.Block);
                    keystore.Entries.Add(deferred.Entry);
                    offset += fields.Location.End.Value;
                    continue;
                }
                try
                {
                    var certificate = NonCanonicalCertificate.Load(Convert.FromBase64String(text.Substring(offset + fields.Base64Data.Start.Value, fields.Base64Data.End.Value - fields.Base64Data.Start.Value)));
                    layout.Blocks.Add(new PemStoreOrigin.PemBlock(OwnComment(text, position.Item1, certificate), position.Item2, NonCanonicalCertificate.Der(certificate), null));
                    keystore.Entries.Add(new KeystoreEntry
                    {
                        Alias = KeystoreAliases.Derive(certificate, aliases),
                        EntryType = KeystoreEntryType.TrustedCertificate,
                        Certificate = certificate,
                    });
                }
                catch (Exception e) when (e is CryptographicException or FormatException)
                {
                    layout.Blocks.Add(new PemStoreOrigin.PemBlock(position.Item1, position.Item2, null, block));
                    keystore.Entries.Add(new KeystoreEntry
                    {
                        Alias = $"entry-{keystore.Entries.Count + 1}",
                        EntryType = KeystoreEntryType.Other,
                        Unreadable = $"the PEM block is not a valid certificate ({e.Message.TrimEnd('.')})",
                        Origin = new PemOrigin(block),
                    });
                }
            }
            else
            {
                layout.Blocks.Add(new PemStoreOrigin.PemBlock(position.Item1, position.Item2, null, block));
                keystore.Entries.Add(new KeystoreEntry
                {
                    Alias = $"{label.ToLowerInvariant().Replace(' ', '-')}-{keystore.Entries.Count + 1}",
                    EntryType = label.Contains("PRIVATE KEY", StringComparison.Ordinal) ? KeystoreEntryType.PrivateKey : KeystoreEntryType.Other,
                    Origin = new PemOrigin(block),
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
            throw new KeystoreException(KeystoreErrorKind.Corrupt, path, $"The keystore '{path}' is not a PEM bundle (no BEGIN CERTIFICATE block); check the file or ", RemedyKind.GiveFormat);
        }
        return keystore;
    }

    /// <summary>
    /// A block whose certificate needs no parse to be listed (<see cref="CertificateDeferral"/>):
    /// well-formed DER whose alias comes plainly from its one common name. Null sends the block
    /// through the parse, with the platform's answers and errors.
    /// </summary>
    private static (PemStoreOrigin.PemBlock Block, KeystoreEntry Entry)? Deferred(string text, PemFields fields, int offset, (int Start, int End) position, HashSet<string> aliases)
    {
        byte[] der;
        try
        {
            der = Convert.FromBase64String(text.Substring(offset + fields.Base64Data.Start.Value, fields.Base64Data.End.Value - fields.Base64Data.Start.Value));
        }
        catch (FormatException)
        {
            return null;
        }
        if (!CertificateDer.IsWellFormed(der) || CertificateDer.Names(der) is not { } names || CertificateDer.SoleCommonName(names.Subject) is not { } commonName
            || CertificateDer.NotAfterUtc(der) is not { } notAfter)
        {
            return null;
        }
        var start = OwnComment(text, position.Start, () => Comment(new X500DistinguishedName(names.Subject.Span).Name, notAfter));
        var entry = new KeystoreEntry
        {
            Alias = KeystoreAliases.Derive(commonName, () => Convert.ToHexString(SHA256.HashData(der)), aliases),
            EntryType = KeystoreEntryType.TrustedCertificate,
        };
        entry.DeferCertificate(der);
        return (new PemStoreOrigin.PemBlock(start, position.End, der, null), entry);
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
        // By bytes: a deferred certificate is copied as its block without being parsed.
        var certificates = keystore.Entries.Where(e => e.EntryType == KeystoreEntryType.TrustedCertificate && e.CertificateBytes is not null).ToList();
        // Another format's origin is not PEM text, so it is not copied: a certificate is written as new, anything else is dropped.
        var others = keystore.Entries.Where(e => e.Origin is PemOrigin).ToList();
        if (keystore.Origin is PemStoreOrigin layout)
        {
            var position = 0;
            foreach (var block in layout.Blocks)
            {
                text.Append(layout.Text, position, block.Start - position);
                position = block.End;
                var kept = block.Certificate is { } der
                    ? certificates.FirstOrDefault(e => e.CertificateBytes.AsSpan().SequenceEqual(der))
                    : others.FirstOrDefault(e => ((PemOrigin)e.Origin!).Block == block.Text);
                if (kept is not null)
                {
                    text.Append(layout.Text, block.Start, block.End - block.Start);
                    certificates.Remove(kept);
                    others.Remove(kept);
                }
            }
            text.Append(layout.Text, position, layout.Text.Length - position);
            if (text.Length > 0 && text[^1] != '\n')
            {
                text.Append('\n');
            }
        }
        foreach (var entry in certificates)
        {
            if (entry.Certificate is not { } certificate)
            {
                // A deferred certificate that turned out unreadable and lost its block: written as read.
                text.Append(PemEncoding.WriteString("CERTIFICATE", entry.CertificateBytes)).Append('\n');
                continue;
            }
            text.Append(Comment(certificate)).Append('\n');
            text.Append(NonCanonicalCertificate.Pem(certificate)).Append('\n');
        }
        foreach (var entry in others)
        {
            text.Append(((PemOrigin)entry.Origin!).Block).Append('\n');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// Where a certificate's block starts for removal: at the comment line CertHeal wrote above it
    /// ("# subject (expires date)"), which would describe a certificate no longer there; any
    /// other text above a block is the user's and stays.
    /// </summary>
    private static int OwnComment(string text, int blockStart, X509Certificate2 certificate) => OwnComment(text, blockStart, () => Comment(certificate));

    private static int OwnComment(string text, int blockStart, Func<string> comment)
    {
        if (blockStart < 2 || text[blockStart - 1] != '\n')
        {
            return blockStart;
        }
        var lineStart = text.LastIndexOf('\n', blockStart - 2) + 1;
        return text.AsSpan(lineStart).StartsWith("# ") && text.AsSpan(lineStart, blockStart - 1 - lineStart).SequenceEqual(comment()) ? lineStart : blockStart;
    }

    private static string Comment(X509Certificate2 certificate) => Comment(certificate.Subject, certificate.NotAfter.ToUniversalTime());

    private static string Comment(string subject, DateTime notAfterUtc) =>
        $"# {subject} (expires {notAfterUtc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)})";
}
