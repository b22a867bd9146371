using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>
/// The merge hook that writes the trust ledger: every certificate a merge Added or Replaced,
/// with where it came from and what approved it, and an audit record of the write itself
/// (<see cref="LedgerAudit"/>) with one line to the system log.
/// </summary>
public sealed class LedgerRecorder(string ledgerPath, IReadOnlyDictionary<string, string>? sourceByThumbprint = null, string? defaultSource = null) : IMergeRecorder
{
    public string LedgerPath { get; } = Path.GetFullPath(ledgerPath);

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    internal ISystemLog SystemLog { get; init; } = ISystemLog.ForThisPlatform();

    public DateTime? ForgottenOn(string sha256Fingerprint) => TrustLedger.ForgottenOn(LedgerPath, sha256Fingerprint);

    public void Record(KeystoreChange change, IReadOnlyList<X509Certificate2> incoming, IReadOnlyList<Handshake.TlsTarget> endpoints)
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        var entries = new List<LedgerEntry>();
        // By thumbprint through an index: a scan of the incoming list per row made a 20,000-certificate merge quadratic.
        var byThumbprint = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        foreach (var candidate in incoming)
        {
            byThumbprint.TryAdd(candidate.Thumbprint, candidate);
        }
        foreach (var row in change.Entries.Where(e => e.Action is KeystoreChangeAction.Added or KeystoreChangeAction.Replaced))
        {
            if (!byThumbprint.TryGetValue(row.Thumbprint, out var certificate))
            {
                continue;
            }
            var sources = sourceByThumbprint?.GetValueOrDefault(row.Thumbprint) is { } source ? [source]
                : endpoints.Count > 0 ? endpoints.Select(e => e.Display).ToArray()
                : defaultSource is null ? [] : [defaultSource];
            var anchor = CertificateFacts.IsSelfSigned(certificate);
            entries.Add(new LedgerEntry
            {
                Sha256Fingerprint = row.Sha256Fingerprint,
                Subject = certificate.Subject,
                Issuer = certificate.Issuer,
                NotBefore = certificate.NotBefore.ToUniversalTime(),
                NotAfter = certificate.NotAfter.ToUniversalTime(),
                IsAnchor = anchor || row.NewTrustAnchor,
                Sources = sources,
                Policy = change.Policy.ToString(),
                ApprovedBy = row.NewTrustAnchor
                    ? change.Policy == TrustPolicy.Pinned ? $"pinned SHA-256 {row.Sha256Fingerprint}" : $"confirmed new trust anchor SHA-256 {row.Sha256Fingerprint} ({change.Policy})"
                    : $"{change.Policy}: {row.Reason}",
                FirstRecorded = now,
                LastRecorded = now,
                Stores = [change.Path],
                // The original bytes: the entry's fingerprint is over them, and sync checks the PEM against it.
                Pem = NonCanonicalCertificate.Pem(certificate),
            });
        }
        // Audit first: the write happened whatever becomes of the ledger's entries, and the system
        // log is told even when the ledger folder refuses both.
        var audit = LedgerAudit.Describe(change, now);
        KeystoreException? failure = null;
        string? auditFile = null;
        try
        {
            auditFile = LedgerAudit.Append(LedgerPath, audit);
        }
        catch (KeystoreException e) when (e.Path == LedgerPath)
        {
            failure = e;
        }
        try
        {
            TrustLedger.Record(LedgerPath, entries);
        }
        catch (KeystoreException e) when (e.Path == LedgerPath)
        {
            failure ??= e;
        }
        SystemLog.Write(AuditLine.Of(audit, auditFile));
        if (failure is not null)
        {
            // The keystore itself is already written; say so, so nobody repeats or undoes the merge.
            throw new KeystoreException(failure.Kind, LedgerPath, $"The keystore '{change.Path}' was merged, but {(failure.Message.StartsWith("The ", StringComparison.Ordinal) ? "the " + failure.Message[4..] : failure.Message)}", failure);
        }
    }
}
