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

    /// <summary>
    /// Reads a TLS version name as users write it: the enum names (Tls, Tls11, Tls12, Tls13), Tls10
    /// for TLS 1.0, and the spellings "TLS 1.2", "TLSv1.2" and "1.2".
    /// </summary>
    public static bool TryParse(string? text, out TlsProtocol protocol)
    {
        protocol = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var key = new string((text ?? "").Where(c => !char.IsWhiteSpace(c) && c is not '.' and not '_').ToArray()).ToLowerInvariant().Replace("tlsv", "tls", StringComparison.Ordinal);
        if (key.StartsWith("tls", StringComparison.Ordinal))
        {
            key = key[3..];
        }
        (var ok, protocol) = key switch
        {
            "" or "1" or "10" => (true, TlsProtocol.Tls),
            "11" => (true, TlsProtocol.Tls11),
            "12" => (true, TlsProtocol.Tls12),
            "13" => (true, TlsProtocol.Tls13),
            _ => (false, default(TlsProtocol)),
        };
        return ok;
    }

    public static string Describe(TlsProtocol protocol) => protocol switch
    {
        TlsProtocol.Tls => "TLS 1.0",
        TlsProtocol.Tls11 => "TLS 1.1",
        TlsProtocol.Tls12 => "TLS 1.2",
        TlsProtocol.Tls13 => "TLS 1.3",
        _ => protocol.ToString(),
    };
}
