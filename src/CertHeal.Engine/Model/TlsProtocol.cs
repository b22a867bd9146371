namespace CertHeal;

/// <summary>
/// The TLS versions a probe can be limited to. Names follow Invoke-WebRequest's -SslProtocol so
/// PowerShell users can reuse what they know.
/// </summary>
public enum TlsProtocol
{
    Tls,
    Tls11,
    Tls12,
    Tls13,
}
