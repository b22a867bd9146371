using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal;

/// <summary>Facts read off one certificate that several stages need the same way.</summary>
internal static class CertificateFacts
{
    // A certificate's signature does not change: the merge, the policy and the ledger all ask
    // about the same instances (a profile of a 10,000-certificate merge showed the repeated
    // signature checks), and a probe about the same root as a new instance on every handshake.
    private static readonly CertificateMemo<bool> SelfSigned = new(1024);

    public static bool IsSelfSigned(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)
        && SelfSigned.Get(certificate, static c => IsSignedBy(c, c));

    /// <summary>
    /// Answers <see cref="IsSelfSigned"/> ahead for many certificates, on every core: a merge of
    /// thousands of roots asks about each, and one signature check after another (60-75 µs each)
    /// was half of its judging. A certificate whose check throws is left for the caller to meet.
    /// </summary>
    public static void CheckSelfSigned(IReadOnlyList<X509Certificate2> certificates)
    {
        if (certificates.Count < 64 || Environment.ProcessorCount == 1)
        {
            return;
        }
        Parallel.For(0, certificates.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(Environment.ProcessorCount, 8) }, i =>
        {
            try
            {
                _ = IsSelfSigned(certificates[i]);
            }
            catch (CryptographicException)
            {
            }
        });
    }

    /// <summary>
    /// True when <paramref name="newer"/> renews <paramref name="older"/>: same subject, same
    /// issuer, later expiry. The one definition the merge (supersede), the validator (Superseded,
    /// RenewalAvailable) and proactive renewal share.
    /// </summary>
    public static bool Renews(X509Certificate2 newer, X509Certificate2 older) =>
        newer.SubjectName.RawData.AsSpan().SequenceEqual(older.SubjectName.RawData)
        && newer.IssuerName.RawData.AsSpan().SequenceEqual(older.IssuerName.RawData)
        && newer.NotAfter > older.NotAfter;

    /// <summary>True when <paramref name="issuer"/>'s key verifies <paramref name="certificate"/>'s signature.</summary>
    public static bool IsSignedBy(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
        {
            return false;
        }
        if (VerifySignature(certificate, issuer) is { } verified)
        {
            return verified;
        }
        try
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(issuer);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllFlags;
            chain.Build(certificate);
            return chain.ChainElements.Count >= 1 &&
                   chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(issuer.RawDataMemory.Span) &&
                   chain.ChainElements.Cast<X509ChainElement>().All(e =>
                       e.ChainElementStatus.All(s => s.Status != X509ChainStatusFlags.NotSignatureValid));
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks the signature directly with the issuer's RSA (PKCS#1 v1.5) or ECDSA key for the
    /// common algorithms: a chain build per certificate made merges of thousands of entries
    /// quadratic in practice. Null means "not decided here" (PSS, DSA, EdDSA, odd encodings):
    /// the caller falls back to the platform's chain engine. A non-canonical certificate's
    /// signature is checked over its original bytes: the platform sees only its canonical copy.
    /// </summary>
    private static bool? VerifySignature(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        try
        {
            var reader = new AsnReader(NonCanonicalCertificate.Der(certificate), AsnEncodingRules.DER);
            var outer = reader.ReadSequence();
            var tbs = outer.ReadEncodedValue();
            var algorithm = outer.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            var signature = outer.ReadBitString(out var unused);
            if (unused != 0)
            {
                return null;
            }
            (HashAlgorithmName Hash, bool Rsa)? scheme = oid switch
            {
                "1.2.840.113549.1.1.5" => (HashAlgorithmName.SHA1, true),
                "1.2.840.113549.1.1.11" => (HashAlgorithmName.SHA256, true),
                "1.2.840.113549.1.1.12" => (HashAlgorithmName.SHA384, true),
                "1.2.840.113549.1.1.13" => (HashAlgorithmName.SHA512, true),
                "1.2.840.10045.4.1" => (HashAlgorithmName.SHA1, false),
                "1.2.840.10045.4.3.2" => (HashAlgorithmName.SHA256, false),
                "1.2.840.10045.4.3.3" => (HashAlgorithmName.SHA384, false),
                "1.2.840.10045.4.3.4" => (HashAlgorithmName.SHA512, false),
                _ => null,
            };
            if (scheme is not { } s)
            {
                return null;
            }
            if (s.Rsa)
            {
                using var rsa = issuer.GetRSAPublicKey();
                return rsa?.VerifyData(tbs.Span, signature, s.Hash, RSASignaturePadding.Pkcs1);
            }
            using var ec = issuer.GetECDsaPublicKey();
            return ec?.VerifyData(tbs.Span, signature, s.Hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>False too when the extensions do not decode: a damaged certificate is no authority.</summary>
    public static bool IsCertificateAuthority(X509Certificate2 certificate)
    {
        DecodeCounter.Extension();
        try
        {
            return certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault()?.CertificateAuthority ?? false;
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            return false;
        }
    }

    // GetCertHash hashes the DER anew on every call, and the merge asks for the same instances'
    // fingerprints over and over (indexes, verdict caches, the ledger): kept with the instance too.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, string> Fingerprints = new();

    public static string Sha256Fingerprint(X509Certificate2 certificate) =>
        Fingerprints.GetValue(certificate, static c => Convert.ToHexString(c.GetCertHash(HashAlgorithmName.SHA256)));

    public static string[] DnsNames(X509Certificate2 certificate)
    {
        DecodeCounter.Extension();
        try
        {
            var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
            if (san is null)
            {
                return [];
            }
            return [.. san.EnumerateDnsNames(), .. san.EnumerateIPAddresses().Select(ip => ip.ToString())];
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            return [];
        }
    }

    /// <summary>
    /// The key's algorithm and size; a key that does not decode (a damaged store entry, a
    /// mutated certificate) reads as algorithm "Undecodable" and size 0 instead of throwing,
    /// because every stage that shows or judges a certificate asks for it.
    /// </summary>
    public static (string Algorithm, int Size) Key(X509Certificate2 certificate) =>
        TryKey(certificate, out var key, out _) ? key : ("Undecodable", 0);

    /// <summary>False, with the decoder's reason, when the public key does not decode.</summary>
    public static bool TryKey(X509Certificate2 certificate, out (string Algorithm, int Size) key, out string reason)
    {
        var decoded = Keys.Get(certificate, static c =>
        {
            DecodeCounter.Key();
            try
            {
                return new KeyFacts(DecodeKey(c), "", true);
            }
            catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException or FormatException)
            {
                return new KeyFacts(("Undecodable", 0), e.Message.TrimEnd('.'), false);
            }
        });
        (key, reason) = (decoded.Key, decoded.Reason);
        return decoded.Decoded;
    }

    // Each client family's rules ask for every presented key: imported into the platform once per certificate.
    private static readonly CertificateMemo<KeyFacts> Keys = new(1024);

    private sealed record KeyFacts((string Algorithm, int Size) Key, string Reason, bool Decoded);

    private static (string Algorithm, int Size) DecodeKey(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return ("RSA", rsa.KeySize);
        }
        using var ec = certificate.GetECDsaPublicKey();
        if (ec is not null)
        {
            return ("ECDSA", ec.KeySize);
        }
        using var dsa = certificate.GetDSAPublicKey();
        if (dsa is not null)
        {
            return ("DSA", dsa.KeySize);
        }
        return (certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value ?? "Unknown", 0);
    }

    public static string SignatureAlgorithm(X509Certificate2 certificate) =>
        certificate.SignatureAlgorithm.FriendlyName ?? certificate.SignatureAlgorithm.Value ?? "Unknown";

    /// <summary>The caIssuers URLs of the Authority Information Access extension.</summary>
    public static string[] CaIssuersUrls(X509Certificate2 certificate)
    {
        try
        {
            var aia = certificate.Extensions.OfType<X509AuthorityInformationAccessExtension>().FirstOrDefault();
            if (aia is null)
            {
                return [];
            }
            return [.. aia.EnumerateCAIssuersUris()];
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            return [];
        }
    }

    public static string CommonNameOrSubject(X509Certificate2 certificate)
    {
        var cn = certificate.GetNameInfo(X509NameType.SimpleName, false);
        return string.IsNullOrEmpty(cn) ? certificate.Subject : cn;
    }
}
