using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal;

/// <summary>
/// Finds the first standard extension whose value does not decode. Java's certificate parser
/// decodes these extensions while it loads a keystore and refuses the whole store when one is
/// malformed, and OpenSSL's decoder fails the certificate, so such a certificate must not be
/// written into a store at all.
/// </summary>
internal static class UndecodableExtension
{
    public static string? Find(X509Certificate2 certificate)
    {
        DecodeCounter.Extension();
        try
        {
            foreach (var extension in certificate.Extensions)
            {
                if (Problem(extension) is { } problem)
                {
                    return problem;
                }
            }
            return null;
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            return $"its extensions do not decode ({e.Message.TrimEnd('.')})";
        }
    }

    private static string? Problem(X509Extension extension)
    {
        try
        {
            // Reading a property forces the decoder that the platform defers until first use.
            _ = extension switch
            {
                X509BasicConstraintsExtension b => b.CertificateAuthority.GetHashCode(),
                X509KeyUsageExtension k => k.KeyUsages.GetHashCode(),
                X509EnhancedKeyUsageExtension e => e.EnhancedKeyUsages.Count,
                X509SubjectKeyIdentifierExtension s => s.SubjectKeyIdentifier?.Length ?? 0,
                X509SubjectAlternativeNameExtension n => n.EnumerateDnsNames().Count() + n.EnumerateIPAddresses().Count(),
                X509AuthorityKeyIdentifierExtension a => a.KeyIdentifier?.Length ?? 0,
                X509AuthorityInformationAccessExtension i => i.EnumerateCAIssuersUris().Count() + i.EnumerateOcspUris().Count(),
                _ => 0,
            };
            return null;
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException)
        {
            return $"its {extension.Oid?.FriendlyName ?? extension.Oid?.Value} extension does not decode ({e.Message.TrimEnd('.')})";
        }
    }
}
