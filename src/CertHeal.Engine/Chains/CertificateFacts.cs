using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal;

/// <summary>Facts read off one certificate that several stages need the same way.</summary>
internal static class CertificateFacts
{
    public static bool IsSelfSigned(X509Certificate2 certificate)
    {
        if (!certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
        {
            return false;
        }
        return IsSignedBy(certificate, certificate);
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
        if (NonCanonicalCertificate.VerifiedBy(certificate, issuer) is { } verified)
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

    public static bool IsCertificateAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault()?.CertificateAuthority ?? false;

    public static string Sha256Fingerprint(X509Certificate2 certificate) =>
        Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));

    public static string[] DnsNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null)
        {
            return [];
        }
        try
        {
            return [.. san.EnumerateDnsNames(), .. san.EnumerateIPAddresses().Select(ip => ip.ToString())];
        }
        catch (CryptographicException)
        {
            return [];
        }
    }

    public static (string Algorithm, int Size) Key(X509Certificate2 certificate)
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
        var aia = certificate.Extensions.OfType<X509AuthorityInformationAccessExtension>().FirstOrDefault();
        if (aia is null)
        {
            return [];
        }
        try
        {
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
