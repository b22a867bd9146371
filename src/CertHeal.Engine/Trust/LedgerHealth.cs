using CertHeal.Validation;

namespace CertHeal.Trust;

/// <summary>
/// Confirm-Keystore -Ledger: the ledger's own state as findings, because a damaged record is
/// skipped by Read (Sync goes on) and would otherwise go unnoticed until the certificate is needed.
/// </summary>
public static class LedgerHealth
{
    public static List<KeystoreFinding> Findings(string path, Handshake.IHostVocabulary? words = null)
    {
        var folder = TrustLedger.Folder(path);
        var findings = new List<KeystoreFinding>();
        foreach (var root in new[] { "entries", "stores" })
        {
            foreach (var file in TrustLedger.RecordFiles(Path.Combine(folder, root)))
            {
                var readable = root == "entries" ? TrustLedger.TryReadRecord<LedgerEntry>(file) is { Sha256Fingerprint.Length: 64 } : TrustLedger.TryReadRecord<LedgerStore>(file) is { Path.Length: > 0 };
                if (!readable)
                {
                    findings.Add(new KeystoreFinding
                    {
                        Severity = FindingSeverity.Warning,
                        Code = FindingCodes.LedgerDamaged,
                        Message = $"The trust-ledger record '{file}' is damaged, so a sync from the ledger leaves it out; remove it, and merge that certificate again if it is still needed.",
                    });
                }
            }
        }
        var missing = TrustLedger.ReadStores(folder).Where(s => !LedgerPrune.Exists(s.Path)).Select(s => s.Path).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            findings.Add(new KeystoreFinding
            {
                Severity = FindingSeverity.Info,
                Code = FindingCodes.LedgerStoreMissing,
                Message = $"{missing.Count} store(s) recorded in the trust ledger no longer exist (first: '{missing[0]}'); {(words ?? Handshake.NeutralVocabulary.Instance).Render(new Remedy { Kind = RemedyKind.PruneLedger })}.",
            });
        }
        return findings;
    }
}
