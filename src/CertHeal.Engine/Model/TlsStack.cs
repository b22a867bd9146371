namespace CertHeal;

/// <summary>The TLS client that performed a handshake (HandshakeResult.CapturedBy).</summary>
public enum TlsStack
{
    /// <summary>.NET's SslStream over the operating system's TLS library (OpenSSL on Linux, SChannel on Windows).</summary>
    Platform,

    /// <summary>BouncyCastle's TLS client, used only to capture what a server presents when the platform cannot finish the handshake.</summary>
    BouncyCastle,
}
