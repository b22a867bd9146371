using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>
/// `certheal sync --hook`: what an upgrade hook runs. Every store the system ledger names, no
/// prompt, every outcome logged (syslog through logger, tag certheal, and /var/log/certheal.log),
/// nothing thrown: a hook never blocks the upgrade that ran it. A ledger a user could write is not
/// applied at all (<see cref="SystemLedger"/>).
/// </summary>
public static class HookSync
{
    public static HookSyncResult Run(string ledgerPath, SyncOptions options, CancellationToken cancellationToken)
    {
        var result = new HookSyncResult();
        var context = Environment.GetEnvironmentVariable(DebianCaCertificates.InsideUpdateVariable) is { Length: > 0 } hook ? hook : "a hook";
        try
        {
            if (SystemLedger.UnsafeReason(ledgerPath) is { } unsafeReason)
            {
                Log(result, $"hook ({context}): the ledger was not applied: {unsafeReason}.");
                return result;
            }
            var ledger = TrustLedger.Read(ledgerPath);
            if (Environment.GetEnvironmentVariable(DebianCaCertificates.ForgettingVariable) is { Length: > 0 } forgetting)
            {
                // A forget's update-ca-certificates runs this hook before the forget marks the ledger:
                // the certificate it is taking out counts as forgotten already, or this would put it back.
                foreach (var entry in ledger.Entries.Where(e => e.Sha256Fingerprint.Equals(forgetting, StringComparison.OrdinalIgnoreCase)))
                {
                    entry.Forgotten ??= DateTime.UtcNow;
                }
            }
            var stores = ledger.Entries.SelectMany(e => e.Stores).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (stores.Count == 0)
            {
                Log(result, $"hook ({context}): the ledger '{ledgerPath}' names no stores; nothing to do.");
                return result;
            }
            foreach (var store in stores)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // A `sql:` NSS database names a folder, which File/Directory.Exists would call gone.
                if (!KeystoreFormats.Exists(store))
                {
                    Log(result, $"hook ({context}): '{store}' is gone; skipped.");
                    continue;
                }
                try
                {
                    var change = LedgerSync.SyncStore(store, null, null, ledger, options);
                    result.Changes.Add(change);
                    if (change.Written)
                    {
                        Log(result, $"hook ({context}): re-applied {change.Added + change.Replaced} ledger entries to '{store}'.");
                    }
                    foreach (var warning in change.Warnings)
                    {
                        Log(result, $"hook ({context}): warning for '{store}': {warning}");
                    }
                }
                catch (Exception e) when (e is KeystoreException or IOException or UnauthorizedAccessException or FormatException or System.Security.Cryptography.CryptographicException)
                {
                    Log(result, $"hook ({context}): '{store}' was not synced: {e.Message}");
                }
            }
            if (result.Changes.All(c => !c.Written))
            {
                Log(result, $"hook ({context}): {result.Changes.Count} stores already hold the ledger's entries; nothing written.");
            }
        }
        catch (Exception e) when (e is KeystoreException or IOException or UnauthorizedAccessException)
        {
            Log(result, $"hook ({context}): the ledger '{ledgerPath}' could not be read: {e.Message}");
        }
        return result;
    }

    private static void Log(HookSyncResult result, string line)
    {
        result.Log.Add(line);
        ISystemLog.ForThisPlatform().Write(line);
        try
        {
            var file = SystemRoot.Under(SystemRoot.Path, "var", "log", "certheal.log");
            if (Directory.Exists(Path.GetDirectoryName(file)))
            {
                File.AppendAllText(file, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {line}\n");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The system log has the line; a log file that cannot be written never fails a hook.
        }
    }
}
