using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Lab;

/// <summary>
/// A real, validly signed self-signed CA certificate whose validity is UTCTime without seconds
/// ("YYMMDDHHMMZ"), like pyca's x509/badasn1time.pem: BER allows it, DER does not; `openssl
/// x509` and keytool read it, OpenSSL's verifier and .NET's loader refuse it. Built here because
/// pyca's vectors are not downloadable in CI.
/// </summary>
public static class NonCanonicalTimeCertificate
{
    public const string NotBefore = "2501010000Z";
    public const string NotAfter = "4501010000Z";

    public static byte[] Create(string commonName, bool rsa = false)
    {
        using AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Create(commonName, key);
    }

    /// <summary>The certificate for <paramref name="key"/> (RSA or ECDSA), which signs it; keep the key to issue leaves under it.</summary>
    public static byte[] Create(string commonName, AsymmetricAlgorithm key)
    {
        var rsa = key is RSA;
        var algorithm = rsa ? "1.2.840.113549.1.1.11" : "1.2.840.10045.4.3.2";
        var name = new X500DistinguishedName($"CN={commonName}, O=CertHeal Lab").RawData;
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                tbs.WriteInteger(2);
            }
            tbs.WriteInteger(RandomNumberGenerator.GetBytes(8).Prepend((byte)0x01).ToArray());
            WriteAlgorithm(tbs, algorithm, rsa);
            tbs.WriteEncodedValue(name);
            using (tbs.PushSequence())
            {
                tbs.WriteEncodedValue(UtcTimeWithoutSeconds(NotBefore));
                tbs.WriteEncodedValue(UtcTimeWithoutSeconds(NotAfter));
            }
            tbs.WriteEncodedValue(name);
            tbs.WriteEncodedValue(key.ExportSubjectPublicKeyInfo());
            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3)))
            using (tbs.PushSequence())
            {
                var constraints = new X509BasicConstraintsExtension(true, false, 0, true);
                using (tbs.PushSequence())
                {
                    tbs.WriteObjectIdentifier(constraints.Oid!.Value!);
                    tbs.WriteBoolean(true);
                    tbs.WriteOctetString(constraints.RawData);
                }
            }
        }
        var toBeSigned = tbs.Encode();
        var signature = key is RSA rsaKey
            ? rsaKey.SignData(toBeSigned, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : ((ECDsa)key).SignData(toBeSigned, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var certificate = new AsnWriter(AsnEncodingRules.DER);
        using (certificate.PushSequence())
        {
            certificate.WriteEncodedValue(toBeSigned);
            WriteAlgorithm(certificate, algorithm, rsa);
            certificate.WriteBitString(signature);
        }
        return certificate.Encode();
    }

    /// <summary>A server certificate for 127.0.0.1 (with its private key), issued by the certificate made by <see cref="Create(string, AsymmetricAlgorithm)"/> with <paramref name="caKey"/>.</summary>
    public static X509Certificate2 IssueLeaf(string caCommonName, ECDsa caKey)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1, O=CertHeal Lab", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(new X500DistinguishedName($"CN={caCommonName}, O=CertHeal Lab"), X509SignatureGenerator.CreateForECDsa(caKey),
            now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(8).Prepend((byte)0x01).ToArray());
        return certificate.CopyWithPrivateKey(key);
    }

    public static string Pem(byte[] der) => PemEncoding.WriteString("CERTIFICATE", der) + "\n";

    private static void WriteAlgorithm(AsnWriter writer, string oid, bool nullParameters)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            if (nullParameters)
            {
                writer.WriteNull();
            }
        }
    }

    private static byte[] UtcTimeWithoutSeconds(string value) => [0x17, (byte)value.Length, .. Encoding.ASCII.GetBytes(value)];
}
