namespace CertHeal;

/// <summary>The consent a merge plan needs for one incoming certificate, decided once by the engine.</summary>
public enum AnchorConsentKind
{
    /// <summary>It makes no new trust anchor (it chains to a root already trusted, or is already in the store).</summary>
    NotAnAnchor,

    /// <summary>A new anchor whose SHA-256 the user named: naming it is the consent.</summary>
    Pinned,

    /// <summary>A new anchor (or a certificate below one) that goes in only if ApprovalFingerprint is approved.</summary>
    NeedsApproval,

    /// <summary>Refused whatever the consent; Reason says why.</summary>
    Refused,
}
