namespace CertHeal.Trust;

/// <summary>
/// One store the ledger wrote into (stores/&lt;hash&gt;.json): its path and the fingerprints
/// recorded for it. Kept apart from the entries so pruning a store never rewrites them.
/// </summary>
public sealed class LedgerStore
{
    public string Path { get; set; } = "";
    public DateTime FirstRecorded { get; set; }
    public DateTime LastRecorded { get; set; }

    /// <summary>When a prune or health check first found the store missing; null while it exists.</summary>
    public DateTime? AbsentSince { get; set; }

    public HashSet<string> Fingerprints { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
