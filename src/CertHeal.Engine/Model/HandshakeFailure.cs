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

    /// <summary>Client and server share a TLS version but no cipher suite.</summary>
    CipherMismatch,

    /// <summary>A certificate below the root is signed with a digest mainstream clients reject (SHA-1, MD5).</summary>
    WeakSignature,

    /// <summary>A certificate in the chain has a key mainstream clients reject (RSA below 2048 bits).</summary>
    WeakKey,
}
