using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Chains;

/// <summary>Turns an X509Certificate2 into the pipeline object every stage emits.</summary>
internal static class ChainCertificateFactory
{
    public static ChainCertificate Create(X509Certificate2 certificate, string target, int position,
        CertificateSource source, DateTime nowUtc, CertificateRole? role = null)
    {
        var selfSigned = CertificateFacts.IsSelfSigned(certificate);
        var isCa = CertificateFacts.IsCertificateAuthority(certificate);
        var (keyAlgorithm, keySize) = CertificateFacts.Key(certificate);
        var notBefore = certificate.NotBefore.ToUniversalTime();
        var notAfter = certificate.NotAfter.ToUniversalTime();
        return new ChainCertificate
        {
            Target = target,
            Position = position,
            Role = role ?? (position == 0 ? CertificateRole.Leaf : selfSigned ? CertificateRole.Root : CertificateRole.Intermediate),
            Source = source,
            Subject = certificate.Subject,
            Issuer = certificate.Issuer,
            Thumbprint = certificate.Thumbprint,
            Sha256Fingerprint = CertificateFacts.Sha256Fingerprint(certificate),
            SerialNumber = certificate.SerialNumber,
            NotBefore = notBefore,
            NotAfter = notAfter,
            DaysRemaining = (int)Math.Floor((notAfter - nowUtc).TotalDays),
            DnsNames = CertificateFacts.DnsNames(certificate),
            SignatureAlgorithm = CertificateFacts.SignatureAlgorithm(certificate),
            KeyAlgorithm = keyAlgorithm,
            KeySize = keySize,
            IsCertificateAuthority = isCa,
            IsSelfSigned = selfSigned,
            Status = nowUtc < notBefore ? CertificateStatus.NotYetValid : nowUtc > notAfter ? CertificateStatus.Expired : CertificateStatus.Valid,
            Pem = NonCanonicalCertificate.Pem(certificate) + "\n",
            Certificate = certificate,
        };
    }
}
