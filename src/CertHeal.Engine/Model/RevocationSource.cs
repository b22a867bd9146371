namespace CertHeal;

/// <summary>Where a certificate's revocation status came from.</summary>
public enum RevocationSource
{
    /// <summary>An OCSP response the server stapled in the handshake (RFC 6066 status_request).</summary>
    Stapled,

    /// <summary>The OCSP responder named in the certificate's Authority Information Access (RFC 6960).</summary>
    Ocsp,

    /// <summary>A CRL from the certificate's CRL distribution points (RFC 5280 5).</summary>
    Crl,
}
