using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// What CertHeal needs from a multi-step store (a Windows certificate store, an NSS database), and no more: the store's certificates,
/// one add, one remove. Kept this small so the multi-step write in <see cref="JournaledStore"/>
/// (journal, removes, adds) runs unchanged against X509Store on Windows, against NSS's certutil, and against a folder on
/// Linux, where the crash and concurrency tests can reach it.
/// </summary>
internal interface ICertificateStoreBackend : IDisposable
{
    IReadOnlyList<X509Certificate2> List();

    void Add(X509Certificate2 certificate);

    void Remove(X509Certificate2 certificate);

    /// <summary>Called under the store's lock: whatever a killed writer left beside the certificates (none for X509Store).</summary>
    void RemoveLeftovers();
}
