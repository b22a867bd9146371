using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace CertHeal.Revocation;

/// <summary>
/// A CRL judged as RFC 5280 6.3 asks: issued by the certificate's issuer (issuer name equal and
/// signature verified with the issuer's key; indirect CRLs and delta CRLs are not followed, as
/// OpenSSL does not by default), current (thisUpdate not in the future, nextUpdate not past,
/// 5 minutes of skew), then the serial looked up. certificateHold counts as revoked while listed
/// (RFC 5280 5.3.1), as every client does. Anything else is Unknown with the reason.
/// </summary>
internal static class CrlCheck
{
    public const int MaxBytes = 10 * 1024 * 1024;
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    /// <summary>The CRL if it parses and is signed by <paramref name="issuer"/>; otherwise the reason.</summary>
    public static (X509Crl? Crl, string? Error) Parse(byte[] body, BcCertificate issuer, string source)
    {
        try
        {
            var crl = new X509CrlParser().ReadCrl(body);
            if (crl is null)
            {
                return (null, $"{source} sent no CRL");
            }
            if (!crl.IssuerDN.Equivalent(issuer.SubjectDN))
            {
                return (null, $"{source} sent a CRL of '{crl.IssuerDN}', not of '{issuer.SubjectDN}'");
            }
            crl.Verify(issuer.GetPublicKey());
            return (crl, null);
        }
        catch (Org.BouncyCastle.Security.SignatureException)
        {
            return (null, $"{source} sent a CRL not signed by '{issuer.SubjectDN}'");
        }
        catch (Org.BouncyCastle.Security.InvalidKeyException)
        {
            return (null, $"{source} sent a CRL not signed by '{issuer.SubjectDN}'");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Malformed DER surfaces as CrlException, IOException, ArgumentException and others.
            return (null, $"{source} sent a malformed CRL ({e.GetType().Name})");
        }
    }

    public static CertificateRevocation Judge(X509Crl crl, BcCertificate certificate, string source, DateTime nowUtc)
    {
        var subject = certificate.SubjectDN.ToString();
        if (crl.ThisUpdate > nowUtc + Skew)
        {
            return CertificateRevocation.Unknown($"{source} is dated in the future ({crl.ThisUpdate:yyyy-MM-dd HH:mm:ss} UTC)");
        }
        if (crl.NextUpdate is { } next && next < nowUtc - Skew)
        {
            return CertificateRevocation.Unknown($"{source} is stale (nextUpdate {next:yyyy-MM-dd HH:mm:ss} UTC)");
        }
        try
        {
            var entry = crl.GetRevokedCertificate(certificate.SerialNumber);
            if (entry is null)
            {
                return new CertificateRevocation(RevocationStatus.Good, RevocationSource.Crl, $"'{subject}' is not on {source}") { ValidUntil = crl.NextUpdate };
            }
            int? reason = null;
            var value = entry.GetExtensionValue(X509Extensions.ReasonCode);
            if (value is not null)
            {
                reason = DerEnumerated.GetInstance(Asn1Object.FromByteArray(value.GetOctets())).IntValueExact;
            }
            if (reason == 8)
            {
                return new CertificateRevocation(RevocationStatus.Good, RevocationSource.Crl, $"'{subject}' was released from hold according to {source}") { ValidUntil = crl.NextUpdate };
            }
            return new CertificateRevocation(RevocationStatus.Revoked, RevocationSource.Crl, RevocationReasons.Revoked(subject, entry.RevocationDate, reason, source))
            {
                ValidUntil = crl.NextUpdate,
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return CertificateRevocation.Unknown($"{source} has a malformed entry ({e.GetType().Name})");
        }
    }
}
