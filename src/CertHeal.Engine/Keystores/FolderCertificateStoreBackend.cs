using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Stands in for a Windows certificate store on Linux so the store's write path (journal,
/// roll-forward, lock) can be killed and raced by the reliability suite there: a folder of
/// `&lt;thumbprint&gt;.der` files, one per certificate. Each add is a whole-file StoreWrite, each
/// remove a delete, so like X509Store every single operation is atomic and only the sequence is not.
/// Selected only by <see cref="CertificateStoreSeam.RootVariable"/>; never a user-facing store kind.
/// </summary>
internal sealed class FolderCertificateStoreBackend(string folder) : ICertificateStoreBackend
{
    private const string Extension = ".der";

    public IReadOnlyList<X509Certificate2> List()
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }
        return Directory.EnumerateFiles(folder, "*" + Extension)
            .Order(StringComparer.Ordinal)
            .Select(f => NonCanonicalCertificate.Load(File.ReadAllBytes(f)))
            .ToList();
    }

    public void Add(X509Certificate2 certificate)
    {
        Directory.CreateDirectory(folder);
        var der = NonCanonicalCertificate.Der(certificate);
        StoreWrite.Replace(FileOf(certificate), der, written =>
        {
            if (!written.AsSpan().SequenceEqual(der))
            {
                throw new IOException($"the new file '{FileOf(certificate)}' did not read back as written");
            }
        });
    }

    public void Remove(X509Certificate2 certificate) => File.Delete(FileOf(certificate));

    public void RemoveLeftovers() => StoreWrite.RemoveStaleTemporaryFilesIn(folder);

    public void Dispose()
    {
    }

    private string FileOf(X509Certificate2 certificate) => Path.Combine(folder, certificate.Thumbprint.ToUpperInvariant() + Extension);
}
