using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Handshake;

/// <summary>
/// The certificates a server sent, copied out of SslStream's validation callback: ExtraStore
/// holds them, leaf included, in the order sent. The copies are ours; the callback's objects
/// belong to SslStream, which disposes them after the callback.
/// </summary>
internal static class PresentedChain
{
    /// <param name="own">Certificates the caller placed in ExtraStore itself (SslStream appends the server's after them).</param>
    public static List<X509Certificate2> FromCallback(X509Certificate? certificate, X509Chain? chain, X509Certificate2Collection? own = null)
    {
        if (certificate is null)
        {
            return [];
        }
        // A copy from the handle shares the platform's parsed certificate (a reference count),
        // where a copy from the bytes parsed it again: a tenth of a probe's time at scale.
        if (Readable(new X509Certificate2(certificate.Handle)) is not { } leaf)
        {
            return [];
        }
        var sent = chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>().Skip(Placed(chain.ChainPolicy.ExtraStore, own))
            .Select(c => Readable(new X509Certificate2(c.Handle))).OfType<X509Certificate2>().ToList() ?? [];
        if (sent.Count == 0 || !sent[0].RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
        {
            sent.Insert(0, leaf);
        }
        else
        {
            // The server's own copy stands for the leaf: ours would only wait for the finalizer.
            leaf.Dispose();
        }
        return sent;
    }

    /// <summary>
    /// The copy, when the platform can read its validity; else the copy the keystores would make
    /// (<see cref="NonCanonicalCertificate.Load"/>: a non-DER time re-encoded), or null when that
    /// fails too. OpenSSL's TLS stack takes certificates whose times .NET reads only lazily and
    /// then cannot convert: a server's damaged certificate must not throw later, from a chain walk.
    /// </summary>
    internal static X509Certificate2? Readable(X509Certificate2 copy)
    {
        try
        {
            _ = copy.NotBefore;
            _ = copy.NotAfter;
            return copy;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
        }
        var der = copy.RawData;
        copy.Dispose();
        try
        {
            return NonCanonicalCertificate.Load(der);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>How many of ExtraStore's first certificates are the caller's own (the same objects, in order).</summary>
    private static int Placed(X509Certificate2Collection extraStore, X509Certificate2Collection? own)
    {
        var count = 0;
        while (own is not null && count < own.Count && count < extraStore.Count && ReferenceEquals(extraStore[count], own[count]))
        {
            count++;
        }
        return count;
    }
}
