using CertHeal.Validation;

namespace CertHeal.Trust;

/// <summary>A keystore checked against the ledger: the ledger entries (still valid, not forgotten on purpose) that a keystore lacks, for monitoring after upgrades.</summary>
public static class LedgerDrift
{
    public static IEnumerable<KeystoreFinding> Findings(IEnumerable<System.Security.Cryptography.X509Certificates.X509Certificate2> present, LedgerDocument ledger, DateTime now,
        Handshake.IHostVocabulary words)
    {
        var have = present.Select(CertificateFacts.Sha256Fingerprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in ledger.Entries.Where(e => e.NotAfter >= now && e.Forgotten is null && !have.Contains(e.Sha256Fingerprint)))
        {
            yield return new KeystoreFinding
            {
                Severity = FindingSeverity.Warning,
                Code = FindingCodes.LedgerDrift,
                Subject = entry.Subject,
                Message = $"'{entry.Subject}' (SHA-256 {entry.Sha256Fingerprint}), healed on {entry.FirstRecorded:yyyy-MM-dd}{(entry.Sources.Length > 0 ? " from " + string.Join(", ", entry.Sources) : "")}, is missing; {words.Render(new Remedy { Kind = RemedyKind.SyncFromLedger })}.",
            };
        }
    }
}
