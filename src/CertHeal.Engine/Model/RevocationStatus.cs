namespace CertHeal;

/// <summary>What revocation checking learned about one certificate.</summary>
public enum RevocationStatus
{
    /// <summary>Not checked: checking was off, the certificate is a self-signed anchor (RFC 5280 6.1: anchors are not checked), or it names no OCSP responder and no CRL.</summary>
    NotChecked,

    /// <summary>A responder or CRL signed by the issuer says the certificate is not revoked.</summary>
    Good,

    /// <summary>A responder or CRL signed by the issuer says the certificate is revoked.</summary>
    Revoked,

    /// <summary>The certificate names an OCSP responder or CRL, but no valid answer was obtained (unreachable, too slow, too large, malformed, badly signed or stale).</summary>
    Unknown,
}
