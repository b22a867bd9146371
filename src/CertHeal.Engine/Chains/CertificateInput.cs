using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Chains;

/// <summary>
/// Rebuilds certificates from what survives serialization (Pem text, RawData bytes): the path
/// by which a deserialized ChainCertificate (remoting, ConvertTo-Json) is merged like a live one.
/// </summary>
public static class CertificateInput
{
    public static X509Certificate2 FromPem(string pem)
    {
        try
        {
            // Not CreateFromPem: on Linux it takes a certificate whose validity .NET cannot read.
            return NonCanonicalCertificate.LoadPem(pem).FirstOrDefault() ?? throw new CryptographicException();
        }
        catch (CryptographicException)
        {
            throw new FormatException("The Pem text does not hold a PEM CERTIFICATE block; pass the Pem property of a ChainCertificate or a PEM file.");
        }
    }

    /// <summary>Every certificate in PEM text (a bundle) or DER bytes; other PEM blocks are ignored.</summary>
    public static IReadOnlyList<X509Certificate2> FromBytes(byte[] bytes, string source)
    {
        try
        {
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                var collection = NonCanonicalCertificate.LoadPem(text);
                if (collection.Count == 0)
                {
                    throw new FormatException($"{source} holds no PEM CERTIFICATE block; give a PEM or DER certificate file.");
                }
                X509Certificate2[] certificates = [.. collection];
                BundleEndpoints.Remember(certificates, BundleEndpoints.Read(text));
                return certificates;
            }
            return [NonCanonicalCertificate.Load(bytes)];
        }
        catch (CryptographicException)
        {
            throw new FormatException($"{source} is not a PEM or DER certificate; give a certificate file, PEM text or a ChainCertificate.");
        }
    }

    public static IReadOnlyList<X509Certificate2> FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The certificate file '{path}' does not exist; check the path.", path);
        }
        if (new FileInfo(path).Length > 16 * 1024 * 1024)
        {
            throw new FormatException($"The certificate file '{path}' is larger than 16 MiB; it is not a certificate bundle.");
        }
        return FromBytes(File.ReadAllBytes(path), $"The file '{path}'");
    }

    public static X509Certificate2 FromRawData(byte[] rawData)
    {
        try
        {
            return NonCanonicalCertificate.Load(rawData);
        }
        catch (CryptographicException)
        {
            throw new FormatException("The RawData bytes are not a DER certificate.");
        }
    }
}
