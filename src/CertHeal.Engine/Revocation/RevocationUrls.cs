using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace CertHeal.Revocation;

/// <summary>
/// Where a certificate says its status is published: the OCSP responders of its Authority
/// Information Access (RFC 5280 4.2.2.1, id-ad-ocsp) and the full-name URIs of its CRL
/// distribution points (RFC 5280 4.2.1.13). Only http URLs are used, as clients do (RFC 5280
/// and RFC 6960 publish over http; https would need revocation checking of its own). A malformed
/// extension gives no URL rather than an exception.
/// </summary>
internal static class RevocationUrls
{
    private const int MaxUrls = 4;

    public static IReadOnlyList<Uri> Ocsp(X509Certificate2 certificate)
    {
        try
        {
            var aia = certificate.Extensions.OfType<X509AuthorityInformationAccessExtension>().FirstOrDefault();
            return aia is null ? [] : HttpOnly(aia.EnumerateOcspUris());
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.Formats.Asn1.AsnContentException or FormatException or ArgumentException)
        {
            return [];
        }
    }

    public static IReadOnlyList<Uri> Crl(X509Certificate2 certificate)
    {
        try
        {
            // Inside the guard: a damaged certificate's extensions may not even list.
            var extension = certificate.Extensions["2.5.29.31"];
            if (extension is null)
            {
                return [];
            }
            var points = CrlDistPoint.GetInstance(Asn1Object.FromByteArray(extension.RawData)).GetDistributionPoints();
            var urls = new List<string>();
            foreach (var point in points)
            {
                if (point.DistributionPointName is { Type: DistributionPointName.FullName } name)
                {
                    urls.AddRange(GeneralNames.GetInstance(name.Name).GetNames()
                        .Where(n => n.TagNo == GeneralName.UniformResourceIdentifier)
                        .Select(n => DerIA5String.GetInstance(n.Name).GetString()));
                }
            }
            return HttpOnly(urls);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or InvalidOperationException
            or System.Security.Cryptography.CryptographicException or System.Formats.Asn1.AsnContentException or FormatException)
        {
            return [];
        }
    }

    private static List<Uri> HttpOnly(IEnumerable<string> urls) =>
        urls.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : null)
            .Where(u => u is not null && u.Scheme == Uri.UriSchemeHttp)
            .Select(u => u!)
            .Distinct()
            .Take(MaxUrls)
            .ToList();
}
