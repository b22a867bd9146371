using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.X509;

namespace CertHeal.Revocation;

/// <summary>
/// The issuer whose key must verify a certificate's OCSP response or CRL, found among loose
/// certificates (a merge's incoming set, a keystore, the system anchors) by name and signature
/// (RFC 5280 6.1.3: the issuer's key verifies the certificate). Null for a self-signed
/// certificate, one that names no responder or CRL, or one whose issuer is not there.
/// </summary>
internal static class IssuerLookup
{
    public static X509Certificate2? Find(X509Certificate2 certificate, IEnumerable<X509Certificate2> issuers)
    {
        if (CertificateFacts.IsSelfSigned(certificate) || RevocationUrls.Ocsp(certificate).Count + RevocationUrls.Crl(certificate).Count == 0)
        {
            return null;
        }
        var parser = new X509CertificateParser();
        Org.BouncyCastle.X509.X509Certificate bc;
        try
        {
            bc = parser.ReadCertificate(certificate.RawData);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
        foreach (var candidate in issuers.Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)))
        {
            try
            {
                bc.Verify(parser.ReadCertificate(candidate.RawData).GetPublicKey());
                return candidate;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Same name, other key: not this certificate's issuer.
            }
        }
        return null;
    }
}
