namespace CertHeal;

/// <summary>One keystore's merge: what was (or, with WhatIf, would be) written, entry by entry.</summary>
public sealed class KeystoreChange
{
    public string Path { get; set; } = "";
    public string Format { get; set; } = "";
    public TrustPolicy Policy { get; set; }
    public bool WhatIf { get; set; }
    public bool Written { get; set; }
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
