using System.Collections.ObjectModel;
using System.Reflection;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>
/// SslStreamCertificateContext rebuilds the chain it sends and drops a self-signed root, but a
/// lab must send exactly what a misconfigured server sends (the root, duplicates, the wrong
/// order). The lab (never the engine) overwrites the context's intermediate list; if a runtime
/// changes that private field, it fails loudly here instead of sending something else.
/// </summary>
public static class ExactChainContext
{
    public static SslStreamCertificateContext Create(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain)
    {
        var context = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(chain.ToArray()), offline: true);
        if (context.IntermediateCertificates.Count == chain.Count &&
            context.IntermediateCertificates.Zip(chain).All(p => p.First.RawDataMemory.Span.SequenceEqual(p.Second.RawDataMemory.Span)))
        {
            return context;
        }
        var field = typeof(SslStreamCertificateContext).GetField("<IntermediateCertificates>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("This .NET runtime's SslStreamCertificateContext cannot send an exact chain; serve this scenario with openssl s_server.");
        field.SetValue(context, new ReadOnlyCollection<X509Certificate2>(chain.ToList()));
        return context;
    }
}
