using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Trust;

namespace CertHeal.Keystores;

/// <summary>
/// Reads a certificate file (a PEM bundle or one DER certificate) as a trust store for probes.
/// The keystore stage replaces this with every keystore format; the probe only needs anchors.
/// </summary>
public static class TrustStoreLoader
{
    private const long MaxFileBytes = 64L * 1024 * 1024;

    public static TrustAnchors Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The keystore '{full}' does not exist; check the path.", full);
        }
        if (new FileInfo(full).Length > MaxFileBytes)
        {
            throw new InvalidDataException($"The keystore '{full}' is larger than 64 MiB; it is not a certificate bundle.");
        }
        var bytes = File.ReadAllBytes(full);
        var certificates = new List<X509Certificate2>();
        try
        {
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPem(text);
                certificates.AddRange(collection.Cast<X509Certificate2>());
            }
            else
            {
                certificates.Add(new X509Certificate2(bytes));
            }
        }
        catch (CryptographicException)
        {
            throw new InvalidDataException($"The keystore '{full}' is not a PEM bundle or DER certificate; give a PEM file of trusted certificates.");
        }
        if (certificates.Count == 0)
        {
            throw new InvalidDataException($"The keystore '{full}' holds no certificates; give a PEM file of trusted certificates.");
        }
        return TrustAnchors.FromCertificates(full, certificates);
    }
}
