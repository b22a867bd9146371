using System.Security.Authentication;

namespace CertHeal.Handshake;

internal static class TlsProtocols
{
#pragma warning disable SYSLIB0039 // TLS 1.0 and 1.1 are probed on purpose: reporting that a server still accepts them is the point.
    public static SslProtocols ToSslProtocols(TlsProtocol? protocol) => protocol switch
    {
        null => SslProtocols.None,
        TlsProtocol.Tls => SslProtocols.Tls,
        TlsProtocol.Tls11 => SslProtocols.Tls11,
        TlsProtocol.Tls12 => SslProtocols.Tls12,
        TlsProtocol.Tls13 => SslProtocols.Tls13,
        _ => SslProtocols.None,
    };
#pragma warning restore SYSLIB0039

    public static string Describe(TlsProtocol protocol) => protocol switch
    {
        TlsProtocol.Tls => "TLS 1.0",
        TlsProtocol.Tls11 => "TLS 1.1",
        TlsProtocol.Tls12 => "TLS 1.2",
        TlsProtocol.Tls13 => "TLS 1.3",
        _ => protocol.ToString(),
    };
}
