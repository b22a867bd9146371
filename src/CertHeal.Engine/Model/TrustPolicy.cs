namespace CertHeal;

/// <summary>
/// What Merge-Keystore may add. Collecting a server's certificates and trusting them blindly is
/// trust-on-first-use, so the default only adds what already chains to a trusted root.
/// </summary>
public enum TrustPolicy
{
    /// <summary>Add a certificate only if, with it added, its chain builds to a root the keystore or the OS already trusts.</summary>
    ChainToTrusted,

    /// <summary>ChainToTrusted, plus roots and self-signed certificates whose SHA-256 fingerprint was given.</summary>
    Pinned,

    /// <summary>Add what the server presents (still never expired or not-yet-valid certificates).</summary>
    TrustOnFirstUse,
}
