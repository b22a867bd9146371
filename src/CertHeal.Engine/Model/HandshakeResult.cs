namespace CertHeal;

/// <summary>
/// The verdict of one handshake with one target. A failed handshake is a result, not an error:
/// scripts filter on Failure and Healable instead of catching exceptions.
/// </summary>
public sealed class HandshakeResult
{
    public string Target { get; set; } = "";
    public string Host { get; set; } = "";
    public int Port { get; set; }
    public string ServerName { get; set; } = "";
    public string? Address { get; set; }
    public bool Succeeded { get; set; }
    public HandshakeFailure Failure { get; set; }
    public string Reason { get; set; } = "";
    /// <summary>The version the probe was limited to (-Protocol), or null for the machine's defaults.</summary>
    public TlsProtocol? RequestedProtocol { get; set; }
    public string? Protocol { get; set; }
    public string? CipherSuite { get; set; }
    public TimeSpan ConnectTime { get; set; }
    public TimeSpan HandshakeTime { get; set; }
    public ChainCertificate[] PresentedChain { get; set; } = [];
    public string? TrustedBy { get; set; }
    public bool Healable { get; set; }
    public bool AiaWouldComplete { get; set; }

    /// <summary>The command that would heal this failure, in the words of the host that ran the probe (PowerShell or certheal); null when nothing client-side heals it.</summary>
    public string? Recommendation { get; set; }

    /// <summary>The typed form of Recommendation: what heals it and what the probe used to reach the server.</summary>
    public Remedy? Remedy { get; set; }

    /// <summary>Which TLS stack captured PresentedChain: the platform's (SslStream), or BouncyCastle's when the platform could not finish the handshake; null when nothing was captured.</summary>
    public TlsStack? CapturedBy { get; set; }

    /// <summary>Would each mainstream client family accept this server, and the one reason why not.</summary>
    public ClientVerdict[] ClientVerdicts { get; set; } = [];

    /// <summary>The TLS versions the server accepted when BouncyCastle tried each (filled when the platform could not finish); e.g. "Tls10".</summary>
    public string[] ServerProtocols { get; set; } = [];

    /// <summary>The cipher suites (IANA names) the server chose when BouncyCastle offered every suite that carries a certificate, one version at a time.</summary>
    public string[] ServerCipherSuites { get; set; } = [];

    /// <summary>
    /// The CAs the server names as acceptable for client certificates (the certificate_authorities
    /// of its CertificateRequest, as `openssl s_client` prints "Acceptable client certificate CA
    /// names"), as distinguished names; empty when the server asked for none or did not ask.
    /// </summary>
    public string[] AcceptableClientCertificateIssuers { get; set; } = [];

    /// <summary>
    /// Whether the client certificate given (its issuer chain as given, then as this machine can
    /// build it without downloads) reaches one of AcceptableClientCertificateIssuers; null when no
    /// client certificate was given or the server named no CAs.
    /// </summary>
    public bool? ClientCertificateChainsToAcceptable { get; set; }
}
