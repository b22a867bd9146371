using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Takes one certificate (by SHA-256) out of a keystore through the one write path
/// (<see cref="KeystoreFile.Update"/>: locked, atomic, backed up, read back; a folder's hash links
/// go with its file). Only trusted-certificate entries are removed: a private-key entry with that
/// certificate is refused, because removing it would lose the key. A store without the
/// certificate is not written at all. The generated OS bundle the Debian way loses the source
/// CertHeal wrote for it (<see cref="DebianCaCertificates.Forget"/>), so no upgrade brings it back.
/// </summary>
public static class KeystoreRemoval
{
    public static KeystoreChange Remove(string path, KeystoreFormat? format, KeystorePassword? password, string fingerprint, SaveOptions write) =>
        Remove(path, format, password, fingerprint, write, out _);

    /// <param name="found">The trusted certificate as the store held it (null when it did not), so the ledger can keep it when it never knew it.</param>
    internal static KeystoreChange Remove(string path, KeystoreFormat? format, KeystorePassword? password, string fingerprint, SaveOptions write, out X509Certificate2? found)
    {
        var full = KeystoreFormats.FullPath(path);
        // Update would start an empty store (or create the folder for its lock): a removal never creates anything.
        if (!KeystoreFormats.Exists(full))
        {
            throw new KeystoreException(KeystoreErrorKind.NotFound, full, $"The keystore '{full}' does not exist; check the path.");
        }
        List<KeystoreChangeEntry> rows = [];
        X509Certificate2? held = null;
        // The generated OS bundle the Debian way: its source goes, so update-ca-certificates does not bring it back.
        var debian = write.WhatIf ? null : DebianCaCertificates.For(full);
        KeystoreWriteResult Update(SaveOptions how) => KeystoreFile.Update(full, format, password, keystore =>
        {
            rows = [];
            foreach (var entry in keystore.Entries.Where(e => e.Certificate is not null && CertificateFacts.Sha256Fingerprint(e.Certificate).Equals(fingerprint, StringComparison.OrdinalIgnoreCase)).ToList())
            {
                var row = new KeystoreChangeEntry
                {
                    Alias = entry.Alias,
                    Subject = entry.Certificate!.Subject,
                    Thumbprint = entry.Certificate.Thumbprint,
                    Sha256Fingerprint = CertificateFacts.Sha256Fingerprint(entry.Certificate),
                    NotAfter = entry.Certificate.NotAfter.ToUniversalTime(),
                };
                if (entry.EntryType == KeystoreEntryType.TrustedCertificate)
                {
                    keystore.Entries.Remove(entry);
                    held ??= entry.Certificate;
                    (row.Action, row.ApprovedBy, row.Reason) = (KeystoreChangeAction.Removed, ConsentSource.ForgetRequest, "removed on request (forget)");
                }
                else
                {
                    (row.Action, row.Refused, row.Consent, row.Reason) = (KeystoreChangeAction.Skipped, true, AnchorConsentKind.Refused,
                        $"the entry '{entry.Alias}' holds a private key with this certificate, so it was left in place; only trusted-certificate entries are removed");
                }
                rows.Add(row);
            }
            return rows.Any(r => r.Action == KeystoreChangeAction.Removed);
        }, how);
        KeystoreWriteResult result;
        List<string> warnings = [];
        List<string> notes = [];
        if (debian is null)
        {
            result = Update(write);
        }
        else
        {
            var planned = Update(new SaveOptions { LockTimeout = write.LockTimeout, WhatIf = true, Cancellation = write.Cancellation });
            result = planned.Changed ? debian.Forget(full, fingerprint, planned, () => Update(write), notes, warnings, write.Cancellation) : planned;
            // After Forget: a patch reads the store again and makes new rows.
            foreach (var row in rows.Where(r => r.Action == KeystoreChangeAction.Removed))
            {
                row.Reason = notes.Aggregate(row.Reason, DebianCaCertificates.Joined);
            }
        }
        found = held;
        if (!result.Written)
        {
            rows.ForEach(r => r.ApprovedBy = null);
        }
        return new KeystoreChange
        {
            Path = full,
            Format = result.Format.ToString(),
            WhatIf = write.WhatIf,
            Written = result.Written,
            BackupPath = result.BackupPath,
            Entries = [.. rows],
            Skipped = rows.Count(r => r.Action == KeystoreChangeAction.Skipped),
            Removed = rows.Count(r => r.Action == KeystoreChangeAction.Removed),
            Warnings = [.. warnings],
        };
    }
}
