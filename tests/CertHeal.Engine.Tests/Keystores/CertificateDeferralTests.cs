using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertHeal.Keystores;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// A merge reads the store with its certificates deferred (kept as bytes, parsed on first use).
/// Differential: the same file read both ways lists the same entries (alias, type, bytes, the
/// certificate each parses to, why one is unreadable), and the same change writes the same
/// store. The corpus is the odd-certificate one (non-DER times, v1 and v2 shapes, broken
/// extensions) plus subjects whose alias is not plainly their one common name.
/// </summary>
public sealed class CertificateDeferralTests(KeystoreTestKit kit) : IClassFixture<KeystoreTestKit>
{
    private static readonly KeystorePassword Password = KeystorePassword.FromString(KeystoreTestKit.Password);

    private static List<byte[]> Corpus()
    {
        List<byte[]> corpus = [.. OddCertificateCorpus.Create().Select(o => o.Der)];
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        foreach (var subject in new[] { "O=No Common Name, C=DE", "CN=First, CN=Second", "CN=\"Quoted, Comma\"", "CN=!!!", "CN=Ünïcode Root", "E=ops@example.test" })
        {
            var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            corpus.Add(made.RawData);
        }
        corpus.Add(corpus[0]); // the same certificate twice
        return corpus;
    }

    private static string Describe(KeystoreEntry entry)
    {
        var certificate = entry.Certificate;
        return string.Join('|', entry.Alias, entry.EntryType, entry.Sha256Fingerprint, entry.Unreadable is null ? "" : "unreadable",
            certificate is null ? "" : CertificateFacts.Sha256Fingerprint(certificate), certificate?.Subject, certificate?.NotAfter.ToUniversalTime().ToString("O"));
    }

    private static Keystore Read(KeystoreFormat format, byte[] bytes, string path, bool deferred)
    {
        using var scope = deferred ? CertificateDeferral.Open() : null;
        return KeystoreFormats.Codec(format, path).Read(bytes, path, Password);
    }

    /// <summary>A store of the corpus as each format holds it: PEM blocks with CertHeal's comment lines, or entries the codec wrote.</summary>
    private static byte[] Store(KeystoreFormat format, string path, List<byte[]> corpus)
    {
        if (format == KeystoreFormat.PemBundle)
        {
            var text = new StringBuilder("# a bundle of odd roots\n");
            foreach (var der in corpus)
            {
                try
                {
                    using var certificate = NonCanonicalCertificate.Load(der);
                    text.Append($"# {certificate.Subject} (expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})\n");
                }
                catch (CryptographicException)
                {
                    text.Append("# unreadable\n");
                }
                text.Append(PemEncoding.WriteString("CERTIFICATE", der)).Append('\n');
            }
            return Encoding.UTF8.GetBytes(text.ToString());
        }
        var keystore = new Keystore { Path = path, Format = format };
        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var der in corpus.Distinct(ByteArrayComparer.Instance))
        {
            try
            {
                var certificate = NonCanonicalCertificate.Load(der);
                keystore.Entries.Add(new KeystoreEntry { Alias = KeystoreAliases.Derive(certificate, aliases), EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate });
            }
            catch (CryptographicException)
            {
                // Not in a binary store: the codec writes only certificates it holds.
            }
        }
        return KeystoreFormats.Codec(format, path).Write(keystore, Password);
    }

    [Theory]
    [InlineData(KeystoreFormat.PemBundle)]
    [InlineData(KeystoreFormat.Jks)]
    [InlineData(KeystoreFormat.Pkcs12)]
    public void A_deferred_read_lists_the_entries_a_parsing_read_lists_and_the_same_change_writes_the_same_store(KeystoreFormat format)
    {
        var path = kit.NewPath("deferral." + format);
        var corpus = Corpus();
        var bytes = Store(format, path, corpus);
        var parsed = Read(format, bytes, path, deferred: false);
        var deferred = Read(format, bytes, path, deferred: true);
        Assert.True(parsed.Entries.Count >= corpus.Count - 8, $"the corpus did not make a store ({parsed.Entries.Count} entries)");
        // The deferral has to defer something, or this compares a parse with itself.
        Assert.Contains(deferred.Entries, e => e.CertificateBytes is not null && e.ParsedCertificate is null);

        // The same change on both: the first trusted entry removed, a new root added.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var added = new CertificateRequest("CN=Deferral Added Root", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var written = new List<byte[]>();
        var created = DateTime.UtcNow; // JKS stores a creation time: one for both writes
        foreach (var keystore in new[] { parsed, deferred })
        {
            keystore.Entries.Remove(keystore.Entries.First(e => e.EntryType == KeystoreEntryType.TrustedCertificate));
            keystore.Entries.Add(new KeystoreEntry { Alias = "deferral-added-root", EntryType = KeystoreEntryType.TrustedCertificate, Certificate = X509CertificateLoader.LoadCertificate(added.RawData), CreationDate = created });
            written.Add(KeystoreFormats.Codec(format, path).Write(keystore, Password));
        }
        // PKCS#12 draws a fresh MAC salt per write: compared as read back; the others byte for byte.
        if (format == KeystoreFormat.Pkcs12)
        {
            Assert.Equal(Read(format, written[0], path, false).Entries.Select(Describe), Read(format, written[1], path, false).Entries.Select(Describe));
        }
        else
        {
            Assert.Equal(written[0], written[1]);
        }
        // Listed alike, each deferred certificate parsed on demand to the same certificate (or the same refusal).
        Assert.Equal(parsed.Entries.Select(Describe), deferred.Entries.Select(Describe));
    }
}
