namespace CertHeal;

/// <summary>
/// Why a handshake did not produce a trusted session. Only IncompleteChain, UntrustedRoot and
/// SelfSigned can be healed from the client side; the rest describe the server or the network.
/// </summary>
public enum HandshakeFailure
{
    None,
    IncompleteChain,
    UntrustedRoot,
    SelfSigned,
    Expired,
    NotYetValid,
    NameMismatch,
    Revoked,
    ClientCertificateRequired,
    ProtocolMismatch,
    NotTls,
    StartTlsRefused,
    ProxyRefused,
    ConnectionRefused,
    Timeout,
    NameResolution,
    Other,
}
