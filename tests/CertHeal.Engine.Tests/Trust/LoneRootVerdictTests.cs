using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Tests.Keystores;
using CertHeal.Trust;

namespace CertHeal.Tests.Trust;

/// <summary>
/// Differential: wherever LoneRootVerdict answers without a chain build, its verdict is the one
/// the chain engine gives the same root (every problem, reason and family), trusted by the set or
/// not. The corpus holds the plain roots it must answer for (so the test cannot pass by it never
/// answering), roots whose extensions the platform judges (unknown critical extension, broken or
/// duplicated extensions, name constraints, CA false, key usage without keyCertSign), and the
/// odd-certificate corpus.
/// </summary>
public sealed class LoneRootVerdictTests
{
    private const string BasicConstraintsOid = "2.5.29.19";

    private static (string, bool, byte[]) Extension(X509Extension extension) => (extension.Oid!.Value!, extension.Critical, extension.RawData);

    private static (string, bool, byte[]) KeyUsage(X509KeyUsageFlags flags, bool critical = true) =>
        Extension(new X509KeyUsageExtension(flags, critical));

    private static (string, bool, byte[]) KeyId(string oid, byte[] id, bool critical = false)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        if (oid == "2.5.29.14")
        {
            writer.WriteOctetString(id);
        }
        else
        {
            using (writer.PushSequence())
            {
                writer.WriteOctetString(id, new Asn1Tag(TagClass.ContextSpecific, 0));
            }
        }
        return (oid, critical, writer.Encode());
    }

    /// <summary>Shapes the fast verdict must answer for: the roots a merge meets every day.</summary>
    private static IEnumerable<(string Name, byte[] Der)> Plain()
    {
        var basic = OddCertificateCorpus.BasicConstraints();
        byte[] id = [1, 2, 3, 4, 5, 6, 7, 8];
        yield return ("basic constraints only", OddCertificateCorpus.Build("Plain Basic", extensions: [basic]));
        yield return ("basic constraints, key usage, key identifiers", OddCertificateCorpus.Build("Plain Full",
            extensions: [basic, KeyUsage(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign), KeyId("2.5.29.14", id), KeyId("2.5.29.35", id)]));
        yield return ("path length 0, non-critical", OddCertificateCorpus.Build("Plain Path Length",
            extensions: [Extension(new X509BasicConstraintsExtension(true, true, 0, false))]));
        yield return ("key usage with digitalSignature too", OddCertificateCorpus.Build("Plain Signing Usage",
            extensions: [basic, KeyUsage(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, critical: false)]));
        yield return ("expired", OddCertificateCorpus.Build("Plain Expired", notBefore: OddCertificateCorpus.Utc(DateTimeOffset.UtcNow.AddYears(-3)),
            notAfter: OddCertificateCorpus.Utc(DateTimeOffset.UtcNow.AddDays(-2))));
        yield return ("not yet valid", OddCertificateCorpus.Build("Plain Future", notBefore: OddCertificateCorpus.Utc(DateTimeOffset.UtcNow.AddDays(3))));
        yield return ("21-octet serial", OddCertificateCorpus.Build("Plain Long Serial", serial: [.. Enumerable.Repeat((byte)0x11, 21)]));
        foreach (var (name, hash, bits) in new[] { ("RSA 2048 SHA-256", HashAlgorithmName.SHA256, 2048), ("RSA 1024 SHA-512", HashAlgorithmName.SHA512, 1024) })
        {
            using var rsa = RSA.Create(bits);
            var request = new CertificateRequest($"CN=Plain {name}", rsa, hash, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
            yield return (name, made.RawData);
        }
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var ec = new CertificateRequest("CN=Plain P-384, O=CertHeal Lab", p384, HashAlgorithmName.SHA384);
        ec.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var made384 = ec.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        yield return ("P-384", made384.RawData);
    }

    /// <summary>Shapes left to the chain engine: the platform has something to say about each, or might.</summary>
    private static IEnumerable<(string Name, byte[] Der)> Judged()
    {
        var basic = OddCertificateCorpus.BasicConstraints();
        byte[] id = [1, 2, 3, 4, 5, 6, 7, 8];
        yield return ("unknown critical extension", OddCertificateCorpus.Build("Judged Unknown Critical", extensions: [basic, ("1.3.6.1.4.1.99999.1", true, [0x05, 0x00])]));
        yield return ("unknown non-critical extension", OddCertificateCorpus.Build("Judged Unknown", extensions: [basic, ("1.3.6.1.4.1.99999.1", false, [0x05, 0x00])]));
        yield return ("critical extended key usage", OddCertificateCorpus.Build("Judged Critical EKU",
            extensions: [basic, Extension(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.4")], true))]));
        var names = new AsnWriter(AsnEncodingRules.DER);
        using (names.PushSequence())
        using (names.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
        using (names.PushSequence())
        {
            names.WriteCharacterString(UniversalTagNumber.IA5String, "permitted.test", new Asn1Tag(TagClass.ContextSpecific, 2));
        }
        yield return ("name constraints", OddCertificateCorpus.Build("Judged Name Constraints", extensions: [basic, ("2.5.29.30", true, names.Encode())]));
        yield return ("CA false", OddCertificateCorpus.Build("Judged Not CA", extensions: [Extension(new X509BasicConstraintsExtension(false, false, 0, true))]));
        yield return ("path length without CA", OddCertificateCorpus.Build("Judged Path Length Not CA", extensions: [(BasicConstraintsOid, true, [0x30, 0x03, 0x02, 0x01, 0x00])]));
        yield return ("negative path length", OddCertificateCorpus.Build("Judged Negative Path", extensions: [(BasicConstraintsOid, true, [0x30, 0x06, 0x01, 0x01, 0xFF, 0x02, 0x01, 0xFF])]));
        yield return ("no basic constraints", OddCertificateCorpus.Build("Judged No Constraints", extensions: [KeyUsage(X509KeyUsageFlags.KeyCertSign)]));
        yield return ("key usage without keyCertSign", OddCertificateCorpus.Build("Judged Usage", extensions: [basic, KeyUsage(X509KeyUsageFlags.DigitalSignature)]));
        yield return ("broken key usage", OddCertificateCorpus.Build("Judged Broken Usage", extensions: [basic, ("2.5.29.15", true, [0x03, 0x05, 0x00])]));
        yield return ("authority key identifier of another key", OddCertificateCorpus.Build("Judged Other AKI",
            extensions: [basic, KeyId("2.5.29.14", id), KeyId("2.5.29.35", [9, 9, 9, 9])]));
        yield return ("critical subject key identifier", OddCertificateCorpus.Build("Judged Critical SKI", extensions: [basic, KeyId("2.5.29.14", id, critical: true)]));
        yield return ("duplicated basic constraints", OddCertificateCorpus.Build("Judged Twice", extensions: [basic, basic]));
    }

    private static string Describe(TrustVerdict verdict) =>
        string.Join("\n", [$"{verdict.Failure}: {verdict.Detail}", string.Join(",", verdict.Path.Select(CertificateFacts.Sha256Fingerprint)),
            .. verdict.Problems.Select(p => $"{p.Failure}/{p.Check}/{p.Reason}/{string.Join("+", p.Families.Order())}")]);

    [Fact]
    public void Its_verdict_is_the_chain_engines_wherever_it_answers()
    {
        var now = DateTime.UtcNow;
        var corpus = Plain().Select(p => (p.Name, p.Der, Plain: true))
            .Concat(Judged().Select(j => (j.Name, j.Der, Plain: false)))
            .Concat(OddCertificateCorpus.Create().Select(o => (o.Name, o.Der, Plain: false)))
            .ToList();
        var answered = new List<string>();
        var compared = 0;
        foreach (var (name, der, plain) in corpus)
        {
            X509Certificate2 certificate;
            try
            {
                certificate = NonCanonicalCertificate.Load(der);
            }
            catch (CryptographicException)
            {
                continue;
            }
            using (certificate)
            {
                if (!CertificateFacts.IsSelfSigned(certificate))
                {
                    Assert.False(plain, $"{name}: the plain corpus must be self-signed");
                    continue;
                }
                foreach (var trusted in new[] { true, false })
                {
                    var anchors = TrustAnchors.FromCertificates("test", trusted ? [certificate] : []);
                    var fast = LoneRootVerdict.TryJudge(certificate, anchors, now);
                    if (plain)
                    {
                        Assert.True(fast is not null, $"{name}: a plain root must be judged without a chain build");
                    }
                    if (fast is null)
                    {
                        continue;
                    }
                    answered.Add(name);
                    Assert.Equal(Describe(ChainTrustEvaluator.Evaluate([certificate], anchors, now)), Describe(fast));
                    compared++;
                }
            }
        }
        // The judged shapes are the chain engine's: the fast verdict must leave every one of them alone.
        Assert.Empty(answered.Intersect(Judged().Select(j => j.Name)));
        Assert.True(compared >= 2 * Plain().Count(), $"only {compared} verdicts were compared");
    }
}
