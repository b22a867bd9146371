using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>The real Windows store. Each Add or Remove is atomic on its own, but a change is several of them.</summary>
internal sealed class X509StoreBackend : ICertificateStoreBackend
{
    private readonly X509Store _store;

    public X509StoreBackend(StoreLocation location, string name, bool writable)
    {
        _store = new X509Store(name, location);
        _store.Open(writable ? OpenFlags.ReadWrite : OpenFlags.ReadOnly);
    }

    public IReadOnlyList<X509Certificate2> List() => [.. _store.Certificates];

    public void Add(X509Certificate2 certificate) => _store.Add(certificate);

    public void Remove(X509Certificate2 certificate) => _store.Remove(certificate);

    public void RemoveLeftovers()
    {
    }

    public void Dispose() => _store.Dispose();
}
