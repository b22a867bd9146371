using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>
/// Mints lab certificates in-process with .NET's CertificateRequest, so tests control every
/// field a client looks at (validity, names, CA flags, AIA) and never touch a real CA.
/// </summary>
public static class CertificateMint
{
    public sealed class Spec
    {
        public required string Subject { get; init; }
        public KeyKind Key { get; init; } = KeyKind.EcdsaP256;
        public DateTimeOffset NotBefore { get; init; } = DateTimeOffset.UtcNow.AddDays(-1);
        public DateTimeOffset NotAfter { get; init; } = DateTimeOffset.UtcNow.AddDays(90);
        public bool IsCertificateAuthority { get; init; }
        public IReadOnlyList<string> DnsNames { get; init; } = [];
        public IReadOnlyList<IPAddress> IpAddresses { get; init; } = [];
        public string? CaIssuersUrl { get; init; }
        public IReadOnlyList<string> MoreCaIssuersUrls { get; init; } = [];

        /// <summary>An OCSP responder URL for the AIA extension (id-ad-ocsp).</summary>
        public string? OcspUrl { get; init; }

        /// <summary>CRL distribution point URLs (full names).</summary>
        public IReadOnlyList<string> CrlUrls { get; init; } = [];
        public bool ClientAuth { get; init; }
        public HashAlgorithmName Hash { get; init; } = HashAlgorithmName.SHA256;
    }

    /// <summary>Issues a certificate signed by <paramref name="issuer"/>, or self-signed when it is null.</summary>
    public static X509Certificate2 Issue(Spec spec, X509Certificate2? issuer = null)
    {
        using var rsa = spec.Key switch { KeyKind.Rsa2048 => RSA.Create(2048), KeyKind.Rsa1024 => RSA.Create(1024), _ => null };
        using var ec = spec.Key == KeyKind.EcdsaP256 ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        var request = rsa is not null
            ? new CertificateRequest(spec.Subject, rsa, spec.Hash, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(spec.Subject, ec!, spec.Hash);

        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(spec.IsCertificateAuthority, false, 0, true));
        var usage = spec.IsCertificateAuthority
            ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature
            : X509KeyUsageFlags.DigitalSignature | (rsa is not null ? X509KeyUsageFlags.KeyEncipherment : 0);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        if (!spec.IsCertificateAuthority)
        {
            var ekus = new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") };
            if (spec.ClientAuth)
            {
                ekus.Add(new Oid("1.3.6.1.5.5.7.3.2"));
            }
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        }
        if (spec.DnsNames.Count + spec.IpAddresses.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in spec.DnsNames)
            {
                san.AddDnsName(name);
            }
            foreach (var ip in spec.IpAddresses)
            {
                san.AddIpAddress(ip);
            }
            request.CertificateExtensions.Add(san.Build());
        }
        if (issuer is not null)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        }
        else
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
        }
        string[] caIssuers = [.. (spec.CaIssuersUrl is null ? [] : new[] { spec.CaIssuersUrl }), .. spec.MoreCaIssuersUrls];
        if (caIssuers.Length > 0 || spec.OcspUrl is not null)
        {
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(spec.OcspUrl is null ? null : [spec.OcspUrl], caIssuers));
        }
        if (spec.CrlUrls.Count > 0)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(spec.CrlUrls));
        }

        var sha1 = spec.Hash == HashAlgorithmName.SHA1;
        if (issuer is null)
        {
            if (!sha1)
            {
                return request.CreateSelfSigned(spec.NotBefore, spec.NotAfter);
            }
            var selfSerial = RandomNumberGenerator.GetBytes(16);
            selfSerial[0] = (byte)((selfSerial[0] & 0x7F) | 0x01);
            using var selfSigned = request.Create(request.SubjectName, new Sha1RsaSignatureGenerator(rsa ?? throw new ArgumentException("SHA-1 lab certificates need an RSA key.")),
                spec.NotBefore, spec.NotAfter, selfSerial);
            return selfSigned.CopyWithPrivateKey(rsa);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        // Sign with the issuer's key whatever its algorithm (an ECDSA root may sign an RSA intermediate).
        using var issuerEc = issuer.GetECDsaPrivateKey();
        using var issuerRsa = issuerEc is null ? issuer.GetRSAPrivateKey() : null;
        var generator = issuerEc is not null
            ? X509SignatureGenerator.CreateForECDsa(issuerEc)
            : sha1
                ? new Sha1RsaSignatureGenerator(issuerRsa ?? throw new ArgumentException($"The issuer {issuer.Subject} has no private key.", nameof(issuer)))
                : X509SignatureGenerator.CreateForRSA(issuerRsa ?? throw new ArgumentException($"The issuer {issuer.Subject} has no private key.", nameof(issuer)), RSASignaturePadding.Pkcs1);
        using var issued = request.Create(issuer.SubjectName, generator, spec.NotBefore, spec.NotAfter, serial);
        return rsa is not null ? issued.CopyWithPrivateKey(rsa) : issued.CopyWithPrivateKey(ec!);
    }

    /// <summary>PEM text of the public certificate only (no key), as a server would send it.</summary>
    public static string ToPem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    /// <summary>Writes the certificate and its private key as PEM files, for openssl s_server and curl.</summary>
    public static void WritePemWithKey(X509Certificate2 certificate, string certPath, string keyPath)
    {
        File.WriteAllText(certPath, ToPem(certificate));
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey()
            ?? throw new InvalidOperationException($"The certificate {certificate.Subject} has no private key.");
        using (key)
        {
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        }
    }
}
