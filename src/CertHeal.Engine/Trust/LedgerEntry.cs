namespace CertHeal.Trust;

/// <summary>
/// One certificate a merge added or renewed: the public certificate and why it was trusted.
/// Never a password or a key.
/// </summary>
public sealed class LedgerEntry
{
    public string Sha256Fingerprint { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Issuer { get; set; } = "";
    public DateTime NotBefore { get; set; }
    public DateTime NotAfter { get; set; }

    /// <summary>True for a root or self-signed certificate (an anchor that Sync re-applies as pinned), false for an intermediate.</summary>
    public bool IsAnchor { get; set; }

    /// <summary>The endpoints (or files) it was collected from.</summary>
    public string[] Sources { get; set; } = [];

    /// <summary>The trust policy of the merge that added it (ChainToTrusted, Pinned, TrustOnFirstUse).</summary>
    public string Policy { get; set; } = "";

    /// <summary>What approved it: the chain to a trusted root, a pinned SHA-256, or a confirmation.</summary>
    public string ApprovedBy { get; set; } = "";

    public DateTime FirstRecorded { get; set; }
    public DateTime LastRecorded { get; set; }

    /// <summary>The keystores it was written into.</summary>
    public string[] Stores { get; set; } = [];

    public string Pem { get; set; } = "";

    /// <summary>
    /// When someone removed it on purpose (a forget): Sync, drift checks and merges then leave it
    /// out until a merge that names its SHA-256 re-adds it, which clears the mark. Null otherwise;
    /// not written while null, so records of earlier versions stay byte-identical.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public DateTime? Forgotten { get; set; }

    /// <summary>Who forgot it (user@host), for the audit trail; null while <see cref="Forgotten"/> is.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ForgottenBy { get; set; }

    internal LedgerEntry ShallowCopy() => (LedgerEntry)MemberwiseClone();
}

/// <summary>The ledger file: a version and its entries, one per certificate (by SHA-256).</summary>
public sealed class LedgerDocument
{
    public int Version { get; set; } = 1;
    public List<LedgerEntry> Entries { get; set; } = [];

    /// <summary>Where it was read from (TrustLedger.Read), so Confirm-Keystore -Ledger can report the ledger's own health.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Path { get; set; }
}
