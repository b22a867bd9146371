namespace CertHeal.Trust;

/// <summary>
/// One keystore write as the audit trail keeps it: who, where, what, when, and which consent.
/// Only public facts: no password, key or certificate body ever goes in it.
/// </summary>
internal sealed class AuditRecord
{
    public int Version { get; set; } = 1;

    public DateTime TimeUtc { get; set; }

    public string User { get; set; } = "";
    public string Host { get; set; } = "";
    public int ProcessId { get; set; }
    public string ProcessName { get; set; } = "";

    public string Store { get; set; } = "";
    public string Format { get; set; } = "";

    /// <summary>Where the write kept the previous version; null when it created the store.</summary>
    public string? BackupPath { get; set; }

    public TrustPolicy Policy { get; set; }

    /// <summary>Every consent the write leaned on, once each, in the enum's order.</summary>
    public ConsentSource[] Consents { get; set; } = [];

    /// <summary>The SHA-256 fingerprints whose naming was the consent for a new anchor.</summary>
    public string[] PinnedFingerprints { get; set; } = [];

    /// <summary>The anchors' SHA-256 fingerprints that an approval (host, hook or blanket) let in.</summary>
    public string[] ApprovedFingerprints { get; set; } = [];

    /// <summary>The entries the write added, replaced or removed (unchanged and skipped ones did not change the store).</summary>
    public AuditEntry[] Entries { get; set; } = [];
}

/// <summary>One entry a keystore write changed.</summary>
internal sealed class AuditEntry
{
    public KeystoreChangeAction Action { get; set; }
    public string Alias { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Sha256Fingerprint { get; set; } = "";
    public ConsentSource Consent { get; set; }

    /// <summary>The fingerprint whose pinning or approval was the consent (the entry's own, or the incoming root it chains to); null for the policy alone.</summary>
    public string? ConsentFingerprint { get; set; }
}
