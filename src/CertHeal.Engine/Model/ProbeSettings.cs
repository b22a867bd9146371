using CertHeal.Handshake;

namespace CertHeal;

/// <summary>
/// What one probe used to reach its server, beyond the machine's defaults: the pieces a command
/// must repeat to reach the same endpoint the same way. A property the probe left at its default
/// (the environment's proxy, the host name as SNI, the system roots) is null.
/// </summary>
public sealed class ProbeSettings
{
    /// <summary>The target as HandshakeResult.Target shows it (with the STARTTLS scheme when there is one).</summary>
    public string Target { get; set; } = "";

    public string Host { get; set; } = "";

    public int Port { get; set; }

    /// <summary>The SNI name, only when it differs from Host.</summary>
    public string? ServerName { get; set; }

    public StartTlsProtocol StartTls { get; set; }

    /// <summary>The explicit proxy (scheme and authority, never its user information); null for none or the environment's.</summary>
    public string? Proxy { get; set; }

    /// <summary>True when the probe was told to connect directly although the environment may name a proxy.</summary>
    public bool NoProxy { get; set; }

    /// <summary>True when the proxy needed credentials; they are never copied here.</summary>
    public bool ProxyCredential { get; set; }

    /// <summary>The full path of the keystore the probe used as its trust store; null for the system's roots.</summary>
    public string? Keystore { get; set; }

    /// <summary>The TLS version the probe was limited to; null for the machine's defaults.</summary>
    public TlsProtocol? Protocol { get; set; }

    /// <summary>The file the client certificate was read from, when the host knows it.</summary>
    public string? ClientCertificate { get; set; }

    /// <summary>The SHA-1 thumbprint of the client certificate the probe presented (as PowerShell shows it).</summary>
    public string? ClientCertificateThumbprint { get; set; }

    /// <summary>The handshake timeout in seconds, only when it differs from the default of 10.</summary>
    public int? TimeoutSeconds { get; set; }

    public override string ToString() => Target;
}
