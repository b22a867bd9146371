using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace CertHeal.Revocation;

/// <summary>
/// One OCSP exchange (RFC 6960): a request for the certificate's CertID (SHA-1 hashes of the
/// issuer's name and key, as RFC 5019's lightweight profile and every responder support), sent
/// by POST without a nonce (so responders and caches may answer from pre-signed responses,
/// RFC 5019 4), and a response accepted only if it is signed by the issuer itself or by a
/// delegated responder the issuer certified with id-kp-OCSPSigning (RFC 6960 4.2.2.2), names
/// this CertID, and is current (thisUpdate not in the future, nextUpdate not past, with
/// 5 minutes of clock skew). Anything else is Unknown with the reason, never an exception.
/// </summary>
internal static class OcspCheck
{
    public const int MaxBytes = 1024 * 1024;
    private const string OcspSigning = "1.3.6.1.5.5.7.3.9";
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    public static byte[] Request(BcCertificate certificate, BcCertificate issuer, out CertificateID id)
    {
        id = new CertificateID(CertificateID.DigestSha1, issuer, certificate.SerialNumber);
        var generator = new OcspReqGenerator();
        generator.AddRequest(id);
        return generator.Generate().GetEncoded();
    }

    public static CertificateRevocation Judge(byte[] body, CertificateID id, BcCertificate certificate, BcCertificate issuer, string source, DateTime nowUtc)
    {
        var subject = certificate.SubjectDN.ToString();
        try
        {
            var response = new OcspResp(body);
            if (response.Status != OcspRespStatus.Successful)
            {
                return CertificateRevocation.Unknown($"{source} refused the request (OCSP status {Status(response.Status)})");
            }
            if (response.GetResponseObject() is not BasicOcspResp basic)
            {
                return CertificateRevocation.Unknown($"{source} sent no basic OCSP response");
            }
            if (Signer(basic, issuer, nowUtc) is null)
            {
                return CertificateRevocation.Unknown($"{source} sent a response signed neither by '{issuer.SubjectDN}' nor by a responder it authorized (id-kp-OCSPSigning)");
            }
            var single = basic.Responses.FirstOrDefault(r => r.GetCertID().Equals(id));
            if (single is null)
            {
                return CertificateRevocation.Unknown($"{source} answered for another certificate than '{subject}'");
            }
            if (single.ThisUpdate > nowUtc + Skew)
            {
                return CertificateRevocation.Unknown($"{source} sent a response dated in the future ({single.ThisUpdate:yyyy-MM-dd HH:mm:ss} UTC)");
            }
            if (single.NextUpdate is { } next && next < nowUtc - Skew)
            {
                return CertificateRevocation.Unknown($"{source} sent a stale response (nextUpdate {next:yyyy-MM-dd HH:mm:ss} UTC)");
            }
            return single.GetCertStatus() switch
            {
                null => new CertificateRevocation(RevocationStatus.Good, RevocationSource.Ocsp, $"'{subject}' is not revoked according to {source}")
                {
                    ValidUntil = single.NextUpdate,
                },
                RevokedStatus revoked => new CertificateRevocation(RevocationStatus.Revoked, RevocationSource.Ocsp,
                    RevocationReasons.Revoked(subject, revoked.RevocationTime, revoked.HasRevocationReason ? revoked.RevocationReason : null, source))
                {
                    ValidUntil = single.NextUpdate,
                },
                _ => CertificateRevocation.Unknown($"{source} does not know '{subject}' (OCSP status unknown)"),
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // BouncyCastle signals malformed DER with several exception types (IOException,
            // OcspException, ArgumentException, InvalidCastException…): all mean "not a response".
            return CertificateRevocation.Unknown($"{source} sent a malformed OCSP response ({e.GetType().Name})");
        }
    }

    private static BcCertificate? Signer(BasicOcspResp basic, BcCertificate issuer, DateTime nowUtc)
    {
        if (basic.Verify(issuer.GetPublicKey()))
        {
            return issuer;
        }
        foreach (var delegated in basic.GetCerts() ?? [])
        {
            try
            {
                if (delegated.IssuerDN.Equivalent(issuer.SubjectDN) && delegated.IsValid(nowUtc)
                    && (delegated.GetExtendedKeyUsage()?.Any(oid => oid.Id == OcspSigning) ?? false))
                {
                    delegated.Verify(issuer.GetPublicKey());
                    if (basic.Verify(delegated.GetPublicKey()))
                    {
                        return delegated;
                    }
                }
            }
            catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException
                or Org.BouncyCastle.Security.SignatureException or ArgumentException or InvalidOperationException)
            {
                // Not signed by the issuer: not a delegated responder.
            }
        }
        return null;
    }

    private static string Status(int status) => status switch
    {
        OcspRespStatus.MalformedRequest => "malformedRequest",
        OcspRespStatus.InternalError => "internalError",
        OcspRespStatus.TryLater => "tryLater",
        OcspRespStatus.SigRequired => "sigRequired",
        OcspRespStatus.Unauthorized => "unauthorized",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The cache key of a certificate's OCSP answer: the CertID (issuer name and key hashes, serial).</summary>
    public static string CacheKey(CertificateID id) => Convert.ToHexString(id.GetIssuerNameHash()) + ":" + Convert.ToHexString(id.GetIssuerKeyHash()) + ":"
        + id.SerialNumber.ToString(16);

    internal static BigInteger Serial(BcCertificate certificate) => certificate.SerialNumber;
}
