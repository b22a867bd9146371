namespace CertHeal;

/// <summary>What a merge did with one incoming certificate, and why.</summary>
public sealed class KeystoreChangeEntry
{
    public KeystoreChangeAction Action { get; set; }
    public string? Alias { get; set; }
    public string Subject { get; set; } = "";
    public string Thumbprint { get; set; } = "";
    public string Sha256Fingerprint { get; set; } = "";
    public DateTime NotAfter { get; set; }
    public string Reason { get; set; } = "";

    /// <summary>True when the trust policy (or the person asked) refused it; false for a skip that does no harm (an expired or unneeded certificate).</summary>
    public bool Refused { get; set; }

    /// <summary>True when this entry makes a new trust anchor (a root or self-signed certificate) that was not trusted before.</summary>
    public bool NewTrustAnchor { get; set; }

    /// <summary>The consent the plan found this certificate needs; hosts ask only about NeedsApproval.</summary>
    public AnchorConsentKind Consent { get; set; }

    /// <summary>For NeedsApproval: the SHA-256 of the anchor whose approval decides (its own, or the incoming root it chains to).</summary>
    public string? ApprovalFingerprint { get; set; }

    /// <summary>For an entry a write Added, Replaced or Removed: what consented to it (the audit trail records it); null otherwise and in a plan.</summary>
    public ConsentSource? ApprovedBy { get; set; }
}
