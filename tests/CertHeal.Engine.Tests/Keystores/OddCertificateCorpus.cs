using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// Self-signed CA roots that are odd on purpose, built field by field with System.Formats.Asn1
/// (a certificate generator, BouncyCastle's included, will not write a version 2 certificate with
/// extensions or an extension twice) and really signed, so that a TrustOnFirstUse merge takes
/// each of them as a new anchor unless the store's consumer refuses it.
/// </summary>
public static class OddCertificateCorpus
{
    /// <summary>
    /// One corpus certificate and what the merge must do with it: <paramref name="Java"/> is a
    /// phrase the Skipped reason carries for JKS and PKCS#12 (null: Added there),
    /// <paramref name="OpenSsl"/> the same for PEM bundles and folders. Each expectation was
    /// found with the real consumer first (keytool and CertificateFactory of JDK 17, `openssl
    /// verify` of OpenSSL 3.0); OddCertificateCorpusTests proves it again on every run.
    /// <paramref name="Everywhere"/> is a phrase for a certificate CertHeal skips for every store,
    /// also where the consumer would read it (the no-weakening rule, a damaged certificate).
    /// </summary>
    public sealed record Odd(string Name, byte[] Der, string? Java, string? OpenSsl, string? Everywhere = null)
    {
        public override string ToString() => Name;
    }

    private const string BasicConstraintsOid = "2.5.29.19";
    private const string SubjectAltNameOid = "2.5.29.17";

    public static IReadOnlyList<Odd> Create()
    {
        var basic = BasicConstraints();
        var san = Dns("odd.certheal.test");
        const string NonCanonical = "non-canonical (non-DER) validity times";
        return
        [
            // Read by everyone: the baseline that a v1 certificate as such is fine.
            new("v1 without extensions", Build("Odd v1 Plain", version: null), null, null),
            // Java: "no more data allowed for version 1 certificate"; .NET and OpenSSL read them.
            new("v1 with extensions", Build("Odd v1 Extended", version: null, extensions: [basic]), "version 1 certificate with extensions", null),
            new("v1 with unique identifiers", Build("Odd v1 Unique Ids", version: null, uniqueIds: true), "version 1 certificate with unique identifiers", null),
            // Java: "Extensions not allowed in v2 certificate", even for an empty extensions
            // field, which .NET reports as no extensions at all.
            new("v2 with extensions", Build("Odd v2 Extended", version: 1, extensions: [basic]), "version 2 certificate with extensions", null),
            new("v2 with an empty extensions field", Build("Odd v2 Empty Extensions", version: 1, extensions: []), "version 2 certificate with extensions", null),
            // Unique identifiers are what version 2 is for: everyone reads it.
            new("v2 with unique identifiers", Build("Odd v2 Unique Ids", version: 1, uniqueIds: true), null, null),
            // RFC 5280 wants positive serials of at most 20 octets; keytool and OpenSSL enforce
            // neither. A longer one is skipped all the same, by the no-weakening rule (Chromium
            // refuses it), which must hold for odd certificates too.
            new("negative serial", Build("Odd Negative Serial", serial: [0xFF, 0x7A, 0x31, 0x02, 0x55, 0x10, 0x42, 0x01]), null, null),
            new("zero serial", Build("Odd Zero Serial", serial: [0x00]), null, null),
            new("21-octet serial", Build("Odd Long Serial", serial: [.. Enumerable.Repeat((byte)0x11, 21)]), null, null, "21-octet serial number"),
            // Java: "Duplicate extensions not allowed"; OpenSSL flags the certificate invalid.
            new("duplicated extension", Build("Odd Duplicated SAN", extensions: [basic, san, Dns("twice.certheal.test")]), "twice", "twice"),
            // Java: "not enough content" for a critical extension it cannot parse; OpenSSL: invalid.
            new("undecodable critical extension", Build("Odd Broken Constraints", extensions: [(BasicConstraintsOid, true, [0x30, 0x03, 0x01, 0x01])]), "does not decode", "does not decode"),
            // Non-critical, Java keeps it unparsed and loads the store; OpenSSL still flags it
            // invalid. A damaged certificate is no trust anchor, so it is skipped for Java too.
            new("undecodable non-critical extension", Build("Odd Broken SAN", extensions: [basic, (SubjectAltNameOid, false, [0x30, 0x05, 0x82, 0x07, 0x6F])]), null, "does not decode", "does not decode"),
            // GeneralizedTime where RFC 5280 wants UTCTime: DER all the same, everyone reads it.
            new("GeneralizedTime before 2050", Build("Odd Generalized 2030", notAfter: Generalized("20301231235959Z")), null, null),
            // Non-DER times: Java reads these forms, .NET only through CertHeal's canonical copy,
            // OpenSSL's verifier rejects them ("format error in certificate's notBefore field").
            new("UTCTime without seconds", Build("Odd Minute Times", notBefore: Raw(0x17, "2501010000Z"), notAfter: Raw(0x17, "4501010000Z")), null, NonCanonical),
            new("UTCTime with an offset", Build("Odd Offset Time", notBefore: Raw(0x17, "250101000000+0100")), null, NonCanonical),
            new("GeneralizedTime with a fraction", Build("Odd Fraction Time", notAfter: Generalized("20551231235959.5Z")), null, NonCanonical),
            new("GeneralizedTime without seconds", Build("Odd Minute Generalized", notAfter: Generalized("205512312359Z")), null, NonCanonical),
            new("GeneralizedTime with an offset", Build("Odd Offset Generalized", notAfter: Generalized("20551231235959+0100")), null, NonCanonical),
            new("GeneralizedTime with a comma fraction", Build("Odd Comma Fraction", notAfter: Generalized("20551231235959,5Z")), null, NonCanonical),
            // Forms Java's parser refuses as well: no zone ("invalid offset"), hours only ("length
            // error"), a fraction without a zone, UTCTime with an offset but no seconds ("invalid format").
            new("GeneralizedTime without a zone", Build("Odd Zoneless Time", notAfter: Generalized("20551231235959")), "notAfter time (20551231235959) Java's parser refuses", NonCanonical),
            new("GeneralizedTime with hours only", Build("Odd Hour Time", notAfter: Generalized("2055123123Z")), "notAfter time (2055123123Z) Java's parser refuses", NonCanonical),
            new("GeneralizedTime with a fraction but no zone", Build("Odd Zoneless Fraction", notAfter: Generalized("20551231235959.5")), "notAfter time (20551231235959.5) Java's parser refuses", NonCanonical),
            new("UTCTime with an offset but no seconds", Build("Odd Minute Offset", notBefore: Raw(0x17, "2501010000-0500")), "notBefore time (2501010000-0500) Java's parser refuses", NonCanonical),
            new("5000 subject alternative names", Build("Odd Huge SAN", extensions: [basic, Dns([.. Enumerable.Range(0, 5000).Select(i => $"host{i}.huge.certheal.test")])]), null, null),
        ];
    }

    /// <param name="version">The TBS version field's value: null leaves it out (version 1), 1 is version 2, 2 is version 3.</param>
    public static byte[] Build(string commonName, int? version = 2, byte[]? serial = null, byte[]? notBefore = null, byte[]? notAfter = null,
        (string Oid, bool Critical, byte[] Value)[]? extensions = null, bool uniqueIds = false)
    {
        // A version 3 root gets CA:true unless the caller says otherwise; older versions have none.
        extensions ??= version == 2 ? [BasicConstraints()] : null;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedName($"CN={commonName}, O=CertHeal Lab").RawData;
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            if (version is { } v)
            {
                using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    tbs.WriteInteger(v);
                }
            }
            // Written by hand: AsnWriter refuses the malformed serials (empty, padded) the corpus needs.
            var serialContent = serial ?? RandomNumberGenerator.GetBytes(12).Prepend((byte)0x01).ToArray();
            tbs.WriteEncodedValue([0x02, (byte)serialContent.Length, .. serialContent]);
            WriteAlgorithm(tbs);
            tbs.WriteEncodedValue(name);
            using (tbs.PushSequence())
            {
                tbs.WriteEncodedValue(notBefore ?? Utc(DateTimeOffset.UtcNow.AddDays(-1)));
                tbs.WriteEncodedValue(notAfter ?? Utc(DateTimeOffset.UtcNow.AddYears(10)));
            }
            tbs.WriteEncodedValue(name);
            tbs.WriteEncodedValue(key.ExportSubjectPublicKeyInfo());
            if (uniqueIds)
            {
                tbs.WriteBitString([0x0A, 0x0B], tag: new Asn1Tag(TagClass.ContextSpecific, 1));
                tbs.WriteBitString([0x0C, 0x0D], tag: new Asn1Tag(TagClass.ContextSpecific, 2));
            }
            if (extensions is not null)
            {
                using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3)))
                using (tbs.PushSequence())
                {
                    foreach (var (oid, critical, value) in extensions)
                    {
                        using (tbs.PushSequence())
                        {
                            tbs.WriteObjectIdentifier(oid);
                            if (critical)
                            {
                                tbs.WriteBoolean(true);
                            }
                            tbs.WriteOctetString(value);
                        }
                    }
                }
            }
        }
        var toBeSigned = tbs.Encode();
        var certificate = new AsnWriter(AsnEncodingRules.DER);
        using (certificate.PushSequence())
        {
            certificate.WriteEncodedValue(toBeSigned);
            WriteAlgorithm(certificate);
            certificate.WriteBitString(key.SignData(toBeSigned, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }
        return certificate.Encode();
    }

    public static (string, bool, byte[]) BasicConstraints() => (BasicConstraintsOid, true, new X509BasicConstraintsExtension(true, false, 0, true).RawData);

    public static (string, bool, byte[]) Dns(params string[] names)
    {
        var builder = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            builder.AddDnsName(name);
        }
        return (SubjectAltNameOid, false, builder.Build().RawData);
    }

    public static byte[] Utc(DateTimeOffset time)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteUtcTime(time);
        return writer.Encode();
    }

    public static byte[] Generalized(string text) => Raw(0x18, text);

    public static byte[] Raw(byte tag, string text) => [tag, (byte)text.Length, .. Encoding.ASCII.GetBytes(text)];

    public static string Pem(byte[] der) => PemEncoding.WriteString("CERTIFICATE", der) + "\n";

    private static void WriteAlgorithm(AsnWriter writer)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.840.10045.4.3.2");
        }
    }
}
