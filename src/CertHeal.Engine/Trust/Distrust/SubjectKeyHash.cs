using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust.Distrust;

/// <summary>
/// SHA-256 of a certificate's SubjectPublicKeyInfo exactly as encoded in the certificate (what
/// Chromium's blocklist hashes: `openssl x509 -pubkey | openssl pkey -pubin -outform DER`). Read from
/// the DER rather than re-encoded through PublicKey, so unusual parameter encodings hash as issued.
/// </summary>
internal static class SubjectKeyHash
{
    // Verdicts, merges and keystore checks ask about the same certificates again and again.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, string> Cache = new();

    public static string Of(X509Certificate2 certificate) => Cache.GetValue(certificate, Compute);

    private static string Compute(X509Certificate2 certificate)
    {
        try
        {
            var reader = new AsnReader(certificate.RawDataMemory, AsnEncodingRules.DER).ReadSequence();
            var tbs = reader.ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            {
                tbs.ReadEncodedValue(); // version
            }
            tbs.ReadEncodedValue(); // serialNumber
            tbs.ReadEncodedValue(); // signature
            tbs.ReadEncodedValue(); // issuer
            tbs.ReadEncodedValue(); // validity
            tbs.ReadEncodedValue(); // subject
            return Convert.ToHexString(SHA256.HashData(tbs.ReadEncodedValue().Span));
        }
        catch (AsnContentException)
        {
            // A certificate .NET loaded but whose DER this reader refuses (BER leftovers): re-encode.
            return Convert.ToHexString(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
        }
    }
}
