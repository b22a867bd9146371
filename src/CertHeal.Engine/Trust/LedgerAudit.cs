using System.Diagnostics;
using System.Text.Json;
using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>
/// The audit trail in the ledger folder: one record per keystore write, `audit/yyyy-MM/&lt;time&gt;-&lt;pid&gt;-&lt;random&gt;.json`.
/// Each write gets a file of its own (never an appended log), so a record is written whole by the
/// one write path, a crash loses at most the record in flight, and writers never rewrite each
/// other's history. Names sort by time, so a month folder reads in order.
/// </summary>
internal static class LedgerAudit
{
    internal static string Folder(string ledgerPath) => Path.Combine(TrustLedger.Folder(ledgerPath), "audit");

    /// <summary>The record of a write that happened: the entries it changed and the consent each leaned on.</summary>
    internal static AuditRecord Describe(KeystoreChange change, DateTime utcNow)
    {
        var entries = change.Entries
            .Where(e => e.Action is KeystoreChangeAction.Added or KeystoreChangeAction.Replaced or KeystoreChangeAction.Removed)
            .Select(e => new AuditEntry
            {
                Action = e.Action,
                Alias = e.Alias ?? "",
                Subject = e.Subject,
                Sha256Fingerprint = e.Sha256Fingerprint,
                Consent = e.ApprovedBy ?? ConsentSource.PolicyChain,
                ConsentFingerprint = e.ApprovedBy switch
                {
                    ConsentSource.PinnedFingerprint => e.Sha256Fingerprint,
                    ConsentSource.ApprovedByHost or ConsentSource.ApprovedByCommand or ConsentSource.Forced => e.ApprovalFingerprint ?? e.Sha256Fingerprint,
                    _ => null,
                },
            })
            .ToArray();
        using var process = Process.GetCurrentProcess();
        return new AuditRecord
        {
            TimeUtc = utcNow,
            User = Environment.UserName,
            Host = Environment.MachineName,
            ProcessId = Environment.ProcessId,
            ProcessName = process.ProcessName,
            Store = change.Path,
            Format = change.Format,
            BackupPath = change.BackupPath,
            Policy = change.Policy,
            Consents = [.. entries.Select(e => e.Consent).Distinct().Order()],
            PinnedFingerprints = Fingerprints(entries, c => c == ConsentSource.PinnedFingerprint),
            ApprovedFingerprints = Fingerprints(entries, c => c is ConsentSource.ApprovedByHost or ConsentSource.ApprovedByCommand or ConsentSource.Forced),
            Entries = entries,
        };
    }

    private static string[] Fingerprints(AuditEntry[] entries, Func<ConsentSource, bool> which) =>
        [.. entries.Where(e => which(e.Consent) && e.ConsentFingerprint is not null).Select(e => e.ConsentFingerprint!).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Writes <paramref name="record"/> as a new file under the ledger's lock and returns its path.</summary>
    internal static string Append(string ledgerPath, AuditRecord record, TimeSpan? lockTimeout = null)
    {
        var time = record.TimeUtc.ToUniversalTime();
        var file = Path.Combine(Folder(ledgerPath), time.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            $"{time.ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture)}-{record.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.json");
        using var held = TrustLedger.Lock(ledgerPath, lockTimeout);
        TrustLedger.Write(ledgerPath, () =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            // Audit names are never reused, so a killed writer's temporary is swept from the month's folder (under the lock).
            StoreWrite.RemoveStaleTemporaryFilesIn(Path.GetDirectoryName(file)!);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(record, AuditJson.Default.AuditRecord);
            StoreWrite.Replace(file, bytes, written => JsonSerializer.Deserialize(written, AuditJson.Default.AuditRecord), flush: TrustLedger.FlushRecords);
            Interlocked.Add(ref TrustLedger.BytesWritten, bytes.Length);
        });
        return file;
    }

    /// <summary>Every audit record file, oldest first, with its record or null when it does not parse.</summary>
    internal static IEnumerable<(string File, AuditRecord? Record)> ReadAll(string ledgerPath)
    {
        foreach (var file in TrustLedger.RecordFiles(Folder(ledgerPath)))
        {
            yield return (file, TryRead(file));
        }
    }

    private static AuditRecord? TryRead(string file)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(file), AuditJson.Default.AuditRecord);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
