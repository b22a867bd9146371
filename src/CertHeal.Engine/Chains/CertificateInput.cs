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
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException)
        {
            throw new FormatException("The Pem text does not hold a PEM CERTIFICATE block; pass the Pem property of a ChainCertificate or a PEM file.");
        }
    }

    public static X509Certificate2 FromRawData(byte[] rawData)
    {
        try
        {
            return new X509Certificate2(rawData);
        }
        catch (CryptographicException)
        {
            throw new FormatException("The RawData bytes are not a DER certificate.");
        }
    }
}
