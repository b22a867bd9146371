using System.Text;

namespace CertHeal.Chains;

/// <summary>
/// Writes certificates as a PEM bundle (leaf first, a comment above each, as system bundles
/// have) through the one write path (temporary file, flush, rename), so a reader never sees half a bundle.
/// </summary>
public static class PemBundleExport
{
    /// <param name="endpointsFrom">The certificates whose Target and ServerName name the bundle's endpoints, before duplicates across targets were dropped; null: <paramref name="certificates"/>.</param>
    public static string Format(IEnumerable<ChainCertificate> certificates, IEnumerable<ChainCertificate>? endpointsFrom = null)
    {
        var list = certificates.ToList();
        var text = new StringBuilder(BundleEndpoints.Comment(endpointsFrom ?? list));
        foreach (var certificate in list)
        {
            text.Append("# ").Append(certificate.Subject).Append(" (expires ").Append(certificate.NotAfter.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).Append(")\n");
            text.Append(certificate.Pem.TrimEnd('\n')).Append('\n');
        }
        return text.ToString();
    }

    public static void Write(string path, IEnumerable<ChainCertificate> certificates, IEnumerable<ChainCertificate>? endpointsFrom = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The folder '{folder}' for the bundle does not exist; create it or choose another output file.");
        }
        Keystores.StoreWrite.Replace(full, Encoding.ASCII.GetBytes(Format(certificates, endpointsFrom)));
    }
}
