using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal;

/// <summary>
/// A certificate whose validity times are valid BER but not DER (UTCTime without seconds or
/// with an offset, GeneralizedTime with a fraction; pyca's x509/badasn1time.pem). `openssl
/// x509` and Java read such a certificate; .NET cannot read its validity. This object is loaded from a copy
/// with only the two times re-encoded canonically, for metadata and policy; the original DER
/// stays the certificate's identity: it is what every keystore writes byte for byte, what the
/// hashes (Thumbprint, SHA-256 fingerprint) are taken over, and what CertificateFacts checks
/// its signature on. Code that needs the certificate's bytes goes through <see cref="Der"/>, never RawData.
/// </summary>
internal sealed class NonCanonicalCertificate : X509Certificate2
{
    private NonCanonicalCertificate(byte[] canonical, byte[] original) : base(canonical)
    {
        Original = original;
    }

    /// <summary>The certificate exactly as it was read.</summary>
    public byte[] Original { get; }

    public override byte[] GetRawCertData() => (byte[])Original.Clone();

    public override byte[] GetCertHash() => SHA1.HashData(Original);

    public override byte[] GetCertHash(HashAlgorithmName hashAlgorithm) => Hash(hashAlgorithm, Original);

    public override string GetCertHashString() => Convert.ToHexString(GetCertHash());

    public override string GetCertHashString(HashAlgorithmName hashAlgorithm) => Convert.ToHexString(GetCertHash(hashAlgorithm));

    public override bool TryGetCertHash(HashAlgorithmName hashAlgorithm, Span<byte> destination, out int bytesWritten)
    {
        var hash = GetCertHash(hashAlgorithm);
        bytesWritten = hash.Length <= destination.Length ? hash.Length : 0;
        return hash.AsSpan().TryCopyTo(destination);
    }

    /// <summary>
    /// The loader's result for <paramref name="bytes"/> (DER, or whatever the loader accepts);
    /// when it refuses a certificate only for its time encoding, the canonical-copy certificate
    /// that keeps the original bytes. Any other refusal is the loader's own exception.
    /// </summary>
    public static X509Certificate2 Load(byte[] bytes)
    {
        if (CertificateReuse.Find(bytes) is { } known)
        {
            return known;
        }
        try
        {
            return WithReadableValidity(new X509Certificate2(bytes));
        }
        catch (CryptographicException) when (Canonical(bytes) is { } canonical)
        {
            return new NonCanonicalCertificate(canonical, bytes.ToArray());
        }
    }

    /// <summary>
    /// On Linux the loader takes such bytes and fails only later, when NotBefore or NotAfter is
    /// read (OpenSSL cannot convert the time); on other platforms the constructor throws.
    /// Reading both here turns either into one failure at load time.
    /// </summary>
    private static X509Certificate2 WithReadableValidity(X509Certificate2 certificate)
    {
        try
        {
            _ = certificate.NotBefore;
            _ = certificate.NotAfter;
            return certificate;
        }
        catch (CryptographicException)
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>Every CERTIFICATE (or X509 CERTIFICATE) block of PEM text; other blocks are ignored.</summary>
    public static List<X509Certificate2> LoadPem(string text)
    {
        var certificates = new List<X509Certificate2>();
        var offset = 0;
        while (PemEncoding.TryFind(text.AsSpan(offset), out var fields))
        {
            var label = text.AsSpan(offset)[fields.Label];
            if (label.SequenceEqual("CERTIFICATE") || label.SequenceEqual("X509 CERTIFICATE"))
            {
                certificates.Add(Load(Convert.FromBase64String(text.AsSpan(offset)[fields.Base64Data].ToString())));
            }
            offset += fields.Location.End.Value;
        }
        return certificates;
    }

    /// <summary>The certificate's own bytes: the original for a non-canonical one, RawData otherwise.</summary>
    public static byte[] Der(X509Certificate2 certificate) => certificate is NonCanonicalCertificate n ? n.Original : certificate.RawData;

    public static bool Same(X509Certificate2 certificate, ReadOnlySpan<byte> der) => Der(certificate).AsSpan().SequenceEqual(der);

    public static string Pem(X509Certificate2 certificate) => PemEncoding.WriteString("CERTIFICATE", Der(certificate));

    public static bool IsNonCanonical(X509Certificate2 certificate) => certificate is NonCanonicalCertificate;

    /// <summary>The certificate with its validity times re-encoded as DER, or null when that changes nothing or it is not a certificate.</summary>
    private static byte[]? Canonical(byte[] bytes)
    {
        try
        {
            var outer = new AsnReader(bytes, AsnEncodingRules.BER);
            var certificate = outer.ReadSequence();
            var tbs = certificate.ReadSequence();
            var algorithm = certificate.ReadEncodedValue();
            var signature = certificate.ReadEncodedValue();
            if (outer.HasData || certificate.HasData)
            {
                return null;
            }
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                using (writer.PushSequence())
                {
                    var validityIndex = tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)) ? 4 : 3;
                    for (var index = 0; tbs.HasData; index++)
                    {
                        if (index != validityIndex)
                        {
                            writer.WriteEncodedValue(tbs.ReadEncodedValue().Span);
                            continue;
                        }
                        var validity = tbs.ReadSequence();
                        using (writer.PushSequence())
                        {
                            WriteTime(validity, writer);
                            WriteTime(validity, writer);
                        }
                        if (validity.HasData)
                        {
                            return null;
                        }
                    }
                }
                writer.WriteEncodedValue(algorithm.Span);
                writer.WriteEncodedValue(signature.Span);
            }
            var canonical = writer.Encode();
            return canonical.AsSpan().SequenceEqual(bytes) ? null : canonical;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    private static void WriteTime(AsnReader validity, AsnWriter writer)
    {
        if (validity.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            writer.WriteUtcTime(validity.ReadUtcTime());
        }
        else
        {
            writer.WriteGeneralizedTime(validity.ReadGeneralizedTime(), omitFractionalSeconds: true);
        }
    }

    private static byte[] Hash(HashAlgorithmName name, byte[] data) => name.Name switch
    {
        "SHA1" => SHA1.HashData(data),
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        "MD5" => MD5.HashData(data),
        _ => throw new CryptographicException($"Unknown hash algorithm '{name.Name}'."),
    };
}
