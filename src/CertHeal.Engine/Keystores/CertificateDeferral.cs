namespace CertHeal.Keystores;

/// <summary>
/// While a scope is open on this thread, the JKS and PKCS#12 codecs keep each well-formed
/// certificate as its bytes and parse it only when something asks for it
/// (<see cref="KeystoreEntry.Certificate"/>). A merge opens one: it indexes every stored entry
/// by bytes and names, and parses only the few a rule needs (renewal candidates, path material).
/// Elsewhere entries are parsed as they are read, so an unreadable one is known at once.
/// </summary>
internal sealed class CertificateDeferral : IDisposable
{
    [ThreadStatic]
    private static int depth;

    private CertificateDeferral() => depth++;

    public static bool Active => depth > 0;

    public static CertificateDeferral Open() => new();

    public void Dispose() => depth--;
}
