using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;
using CertHeal.Trust.Distrust;

namespace CertHeal.Tests.Distrust;

/// <summary>
/// Certificates for the distrust tests: the public samples in ../shared/data/blocked (Superfish,
/// DSDTestProvider), lab certificates that carry their public keys (signed by a lab CA: the key is
/// what the blocklist matches), lab leaves with a chosen notBefore and embedded SCT time, and test
/// lists for DistrustList.Override.
/// </summary>
internal static class DistrustLab
{
    public const string SuperfishSpki = "4BB8F35BA1E126F8DDE1B0C420625ED86DCE61A7BDDADBDEA9ABA578FF13145E";
    public const string DsdTestProviderSpki = "130AD4E0633521290531B6651F5759B0BC7BC656709FF8F365C2143B0389B6F6";

    /// <summary>The public blocked samples (copies of shared/data/blocked, with their README), kept in tests/Shared/blocked so a fresh clone runs alone.</summary>
    public static string SharedFile(string name) => Path.GetFullPath(Path.Combine(Tools.RepoRoot, "tests", "Shared", "blocked", name));

    public static X509Certificate2 Shared(string name) => X509CertificateLoader.LoadCertificateFromFile(SharedFile(name));

    /// <summary>A CA certificate carrying <paramref name="keyOf"/>'s public key, issued and signed by a lab CA (no private key needed).</summary>
    public static X509Certificate2 WithKeyOf(X509Certificate2 keyOf, string subject, X509Certificate2 issuer)
    {
        var request = new CertificateRequest(new X500DistinguishedName(subject), keyOf.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var issuerKey = issuer.GetECDsaPrivateKey() ?? throw new ArgumentException($"{issuer.Subject} has no ECDSA private key.", nameof(issuer));
        var generator = X509SignatureGenerator.CreateForECDsa(issuerKey);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var signed = request.Create(issuer.SubjectName, generator, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(60), serial);
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }

    /// <summary>A new lab CA (ECDSA P-256, with its private key).</summary>
    public static X509Certificate2 NewCa(string name) =>
        CertificateMint.Issue(new CertificateMint.Spec { Subject = $"CN={name}, O=CertHeal Distrust Tests", IsCertificateAuthority = true, NotBefore = DateTimeOffset.UtcNow.AddYears(-3), NotAfter = DateTimeOffset.UtcNow.AddYears(3) });

    /// <summary>A server leaf for <paramref name="host"/> issued by <paramref name="issuer"/> with the given notBefore, and an embedded SCT list at <paramref name="sct"/> when given.</summary>
    public static X509Certificate2 Leaf(X509Certificate2 issuer, string host, DateTimeOffset notBefore, DateTimeOffset? sct = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        if (sct is { } time)
        {
            request.CertificateExtensions.Add(new X509Extension("1.3.6.1.4.1.11129.2.4.2", SctList(time), false));
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var signed = request.Create(issuer, notBefore, notBefore.AddDays(90), serial);
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }

    /// <summary>RFC 6962 3.3's extension value: an OCTET STRING holding a one-SCT SignedCertificateTimestampList (the signature is filler: CertHeal reads only the time).</summary>
    private static byte[] SctList(DateTimeOffset time)
    {
        var sct = new byte[1 + 32 + 8 + 2 + 2 + 2 + 4];
        sct[0] = 0; // v1
        RandomNumberGenerator.Fill(sct.AsSpan(1, 32));
        BinaryPrimitives.WriteUInt64BigEndian(sct.AsSpan(33, 8), (ulong)time.ToUnixTimeMilliseconds());
        // extensions length 0, hash sha256 (4), signature ecdsa (3), signature length 4, 4 bytes
        sct[43] = 0; sct[44] = 0; sct[45] = 4; sct[46] = 3; sct[47] = 0; sct[48] = 4;
        var list = new byte[2 + 2 + sct.Length];
        BinaryPrimitives.WriteUInt16BigEndian(list, (ushort)(2 + sct.Length));
        BinaryPrimitives.WriteUInt16BigEndian(list.AsSpan(2), (ushort)sct.Length);
        sct.CopyTo(list, 4);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(list);
        return writer.Encode();
    }

    /// <summary>A list that blocks exactly these certificates' keys.</summary>
    public static DistrustList Blocking(params X509Certificate2[] keys) =>
        new(keys.Select(k => new BlockedKey(SubjectKeyHash.Of(k), $"test key '{k.Subject}'", "test list")), []);

    /// <summary>A list with one distrust-after rule for <paramref name="root"/>.</summary>
    public static DistrustList DistrustingAfter(X509Certificate2 root, ClientFamily family, DateTime after, DistrustBasis basis) =>
        new([], [new DistrustedRoot(family == ClientFamily.Java ? "JDK" : "Chrome", family, CertificateFacts.Sha256Fingerprint(root), after, basis, root.Subject, "test list")]);
}
