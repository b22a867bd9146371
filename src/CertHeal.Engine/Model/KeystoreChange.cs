namespace CertHeal;

/// <summary>One keystore's merge: what was (or, with WhatIf, would be) written, entry by entry.</summary>
public sealed class KeystoreChange
{
    public string Path { get; set; } = "";
    public string Format { get; set; } = "";
    public TrustPolicy Policy { get; set; }
    public bool WhatIf { get; set; }
    public bool Written { get; set; }

    /// <summary>
    /// Whether the store was written or, in a WhatIf plan, would be: the one rule hosts and
    /// configuration tools (Ansible's changed_when, DSC-like scripts) rely on, so a check run reports
    /// exactly what the real run then does. Computed rather than stored, so it can never disagree
    /// with <see cref="Written"/> and the counts, in a deserialized copy either.
    /// </summary>
    public bool Changed => WhatIf ? Added + Replaced + Removed > 0 : Written;

    public string? BackupPath { get; set; }
    public KeystoreChangeEntry[] Entries { get; set; } = [];
    public int Added { get; set; }
    public int Replaced { get; set; }
    public int Unchanged { get; set; }
    public int Skipped { get; set; }

    /// <summary>Entries -RemoveDistrusted took out (blocked keys, distrusted roots).</summary>
    public int Removed { get; set; }

    /// <summary>
    /// Problems after the keystore was written (e.g. the trust ledger could not be updated): the
    /// merge happened and stands, so they are warnings, never a failed merge.
    /// </summary>
    public string[] Warnings { get; set; } = [];
}
