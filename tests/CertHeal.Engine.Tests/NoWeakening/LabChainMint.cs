using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;

namespace CertHeal.Tests.NoWeakening;

/// <summary>
/// Mints the certificates of the no-weakening scenarios: everything a CA can get wrong that an
/// anchor would hide (SHA-1 signature, 1024-bit key, path length, name constraints), with the
/// issuer's private key kept so a second server can get a different leaf under the same CA.
/// </summary>
internal static class LabChainMint
{
    public sealed record Spec
    {
        public required string Subject { get; init; }
        public bool Ca { get; init; }
        public int? PathLength { get; init; }
        public byte[]? NameConstraints { get; init; }
        public bool Rsa1024 { get; init; }
        public bool Sha1 { get; init; }
        public string[] Dns { get; init; } = [];
        public bool LoopbackIp { get; init; } = true;
        public DateTimeOffset NotBefore { get; init; } = DateTimeOffset.UtcNow.AddDays(-2);
        public DateTimeOffset NotAfter { get; init; } = DateTimeOffset.UtcNow.AddDays(60);
        public string? CaIssuersUrl { get; init; }

        /// <summary>A CRL distribution point (RFC 5280 4.2.1.13).</summary>
        public string? CrlUrl { get; init; }

        /// <summary>A chosen serial (a CRL can name it before the certificate exists).</summary>
        public byte[]? Serial { get; init; }

        /// <summary>Carry this certificate's public key (a blocked key): the result then has no private key.</summary>
        public X509Certificate2? PublicKeyOf { get; init; }
    }

    /// <summary>A root, RSA 2048 (a SHA-1 child needs an RSA issuer), self-signed with SHA-256.</summary>
    public static X509Certificate2 Root(string name) => Issue(new Spec { Subject = $"CN={name}", Ca = true, LoopbackIp = false }, null);

    public static X509Certificate2 Issue(Spec spec, X509Certificate2? issuer)
    {
        // CAs get RSA (so SHA-1 can sign below them); leaves get P-256.
        using var rsa = spec.Ca ? RSA.Create(spec.Rsa1024 ? 1024 : 2048) : null;
        using var ec = spec.Ca ? null : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = spec.PublicKeyOf is { } keyOf
            ? new CertificateRequest(new X500DistinguishedName(spec.Subject), keyOf.PublicKey, HashAlgorithmName.SHA256)
            : rsa is not null
                ? new CertificateRequest(spec.Subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest(spec.Subject, ec!, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(spec.Ca, spec.PathLength is not null, spec.PathLength ?? 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(spec.Ca
            ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign
            : X509KeyUsageFlags.DigitalSignature, true));
        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        request.CertificateExtensions.Add(issuer is null
            ? X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski)
            : X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (spec.NameConstraints is not null)
        {
            request.CertificateExtensions.Add(new X509Extension("2.5.29.30", spec.NameConstraints, true));
        }
        if (!spec.Ca)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in spec.Dns)
            {
                san.AddDnsName(dns);
            }
            if (spec.LoopbackIp)
            {
                san.AddIpAddress(IPAddress.Loopback);
            }
            request.CertificateExtensions.Add(san.Build());
        }
        if (spec.CrlUrl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([spec.CrlUrl]));
        }
        if (spec.CaIssuersUrl is not null)
        {
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [spec.CaIssuersUrl]));
        }
        var serial = spec.Serial ?? RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        X509Certificate2 issued;
        if (issuer is null)
        {
            issued = request.Create(request.SubjectName, X509SignatureGenerator.CreateForRSA(rsa!, RSASignaturePadding.Pkcs1), spec.NotBefore, spec.NotAfter, serial);
        }
        else
        {
            // A CA carrying a blocked key has no private key here: what it "issues" carries a
            // signature by another key, which no client verifies (and no merge may write the CA).
            using var issuerKey = issuer.GetRSAPrivateKey() ?? RSA.Create(2048);
            X509SignatureGenerator generator = spec.Sha1 ? new Sha1RsaSignatureGenerator(issuerKey) : X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1);
            var notAfter = spec.NotAfter > issuer.NotAfter ? new DateTimeOffset(issuer.NotAfter.ToUniversalTime()) : spec.NotAfter;
            issued = request.Create(issuer.SubjectName, generator, spec.NotBefore, notAfter, serial);
        }
        using (issued)
        {
            if (spec.PublicKeyOf is not null)
            {
                return X509CertificateLoader.LoadCertificate(issued.RawData);
            }
            return rsa is not null ? issued.CopyWithPrivateKey(rsa) : issued.CopyWithPrivateKey(ec!);
        }
    }

    /// <summary>Public part only: what a server sends and a store holds.</summary>
    public static X509Certificate2 Public(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);
}
