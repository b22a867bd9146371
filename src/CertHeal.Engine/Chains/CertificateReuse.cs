using System.Security.Cryptography.X509Certificates;

namespace CertHeal;

/// <summary>
/// While a scope is open on this thread, a certificate being loaded whose bytes equal one the
/// scope holds is that instance instead of a new parse: a certificate is a pure function of its
/// bytes. The write path reads its temporary file back to prove it decodes as intended; parsing
/// every certificate again there was a third of a 2,500-into-2,500 JKS merge (dotnet-trace).
/// </summary>
internal sealed class CertificateReuse : IDisposable
{
    [ThreadStatic]
    private static CertificateReuse? current;

    private readonly Dictionary<byte[], X509Certificate2> _byBytes = new(ByteArrayComparer.Instance);
    private readonly CertificateReuse? _outer;

    private CertificateReuse(IEnumerable<X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            _byBytes.TryAdd(NonCanonicalCertificate.Der(certificate), certificate);
        }
        _outer = current;
        current = this;
    }

    public static CertificateReuse Open(IEnumerable<X509Certificate2> certificates) => new(certificates);

    public static X509Certificate2? Find(byte[] bytes)
    {
        for (var scope = current; scope is not null; scope = scope._outer)
        {
            if (scope._byBytes.TryGetValue(bytes, out var certificate))
            {
                return certificate;
            }
        }
        return null;
    }

    public void Dispose() => current = _outer;
}
