using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Handshake;

/// <summary>
/// The certificates a server sent, copied out of SslStream's validation callback: ExtraStore
/// holds them, leaf included, in the order sent. The copies are ours; the callback's objects
/// belong to SslStream.
/// </summary>
internal static class PresentedChain
{
    public static List<X509Certificate2> FromCallback(X509Certificate? certificate, X509Chain? chain)
    {
        if (certificate is null)
        {
            return [];
        }
        var leaf = new X509Certificate2(certificate.GetRawCertData());
        var sent = chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>().Select(c => new X509Certificate2(c.RawDataMemory.Span)).ToList() ?? [];
        if (sent.Count == 0 || !sent[0].RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
        {
            sent.Insert(0, leaf);
        }
        return sent;
    }
}
