namespace CertHeal;

/// <summary>The one check that decided a ClientVerdict (None when the client accepts).</summary>
public enum VerdictCheck
{
    None,
    Protocol,
    CipherSuite,
    KeySize,
    SignatureAlgorithm,
    IncompleteChain,
    UntrustedRoot,
    Validity,
    Name,
    Other,

    /// <summary>Basic constraints, path length or name constraints.</summary>
    Constraint,

    /// <summary>Key usage or extended key usage.</summary>
    Usage,

    /// <summary>An unknown critical extension.</summary>
    CriticalExtension,

    /// <summary>A field the client refuses (serial, issuer, extension encoding).</summary>
    Malformed,

    /// <summary>The key exchange (e.g. finite-field DH below the client's minimum).</summary>
    KeyExchange,

    /// <summary>A handshake message larger than the client accepts.</summary>
    MessageSize,

    /// <summary>A blocked key in the path, or a root distrusted for leaves issued after a date.</summary>
    Distrust,

    /// <summary>The client certificate was required or rejected.</summary>
    ClientCertificate,

    /// <summary>A certificate of the path is revoked (OCSP or CRL), or its status is unknown under hard-fail.</summary>
    Revocation,
}
