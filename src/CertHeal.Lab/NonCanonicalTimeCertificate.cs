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
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsaKey = RSA.Create(2048);
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
            tbs.WriteEncodedValue(rsa ? rsaKey.ExportSubjectPublicKeyInfo() : ec.ExportSubjectPublicKeyInfo());
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
        var signature = rsa
            ? rsaKey.SignData(toBeSigned, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : ec.SignData(toBeSigned, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var certificate = new AsnWriter(AsnEncodingRules.DER);
        using (certificate.PushSequence())
        {
            certificate.WriteEncodedValue(toBeSigned);
            WriteAlgorithm(certificate, algorithm, rsa);
            certificate.WriteBitString(signature);
        }
        return certificate.Encode();
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
