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

    /// <summary>
    /// Client and server share a TLS version but no cipher suite; also a server whose only key
    /// exchange is finite-field DHE with a group the strict clients refuse (the Reason says
    /// "DH key too small (N bits)", as OpenSSL does): no acceptable key exchange is shared either.
    /// </summary>
    CipherMismatch,

    /// <summary>A certificate below the root is signed with a digest mainstream clients reject (SHA-1, MD5).</summary>
    WeakSignature,

    /// <summary>A certificate in the chain has a key mainstream clients reject (RSA below 2048 bits).</summary>
    WeakKey,

    /// <summary>A CA in the path violates a constraint clients enforce: basic constraints, path length, or name constraints.</summary>
    ConstraintViolation,

    /// <summary>A certificate's key usage or extended key usage does not allow the use (serverAuth for a server, clientAuth for a client certificate).</summary>
    WrongUsage,

    /// <summary>A certificate carries a critical extension the client does not understand, so it must reject the certificate (RFC 5280 4.2).</summary>
    UnsupportedCriticalExtension,

    /// <summary>A certificate has a field that clients refuse to parse or accept (a negative or oversized serial, an empty issuer, a malformed extension).</summary>
    MalformedCertificate,

    /// <summary>The server rejected the client certificate that was sent (an alert during or after the handshake).</summary>
    ClientCertificateRejected,

    /// <summary>
    /// A certificate in the path carries a blocked key (Chromium's SPKI blocklist: a private key
    /// that is public or was used to misissue; CertHeal refuses it for every client), or the path
    /// ends in a root whose program distrusts leaves issued after a date and this leaf is later
    /// (the JDK's caDistrustPolicies, Chrome's SCT constraints). Never healable: no consent undoes it.
    /// </summary>
    Distrusted,

    /// <summary>
    /// Revocation checking was hard-fail (-RevocationCheck HardFail) and a certificate of the path
    /// names an OCSP responder or CRL that gave no valid answer.
    /// </summary>
    RevocationUnknown,
}
