using System.Text.Json;
using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>
/// The trust ledger (~/.certheal/ledger.json beside the per-user keystore, or CERTHEAL_LEDGER):
/// what merges healed, so Sync-Keystore can re-apply it to stores an upgrade replaced. It is
/// written like a keystore: under a lock file, re-read, merged, written to a temporary file,
/// flushed and renamed, so two merges at once both end up in it and a crash never tears it.
/// </summary>
public static class TrustLedger
{
    private const long MaxLedgerBytes = 64L * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>$CERTHEAL_LEDGER, else ledger.json beside the per-user keystore.</summary>
    public static string DefaultPath()
    {
        var configured = Environment.GetEnvironmentVariable("CERTHEAL_LEDGER");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }
        return Path.Combine(Path.GetDirectoryName(KeystoreMerger.DefaultKeystorePath())!, "ledger.json");
    }

    /// <summary>The ledger, or an empty one when the file does not exist yet.</summary>
    public static LedgerDocument Read(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            return new LedgerDocument();
        }
        try
        {
            if (new FileInfo(path).Length > MaxLedgerBytes)
            {
                throw new KeystoreException(KeystoreErrorKind.Corrupt, path, $"The trust ledger '{path}' is larger than 64 MiB; it is not a CertHeal ledger.");
            }
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0)
            {
                return new LedgerDocument();
            }
            return JsonSerializer.Deserialize<LedgerDocument>(bytes, Json) ?? new LedgerDocument();
        }
        catch (JsonException e)
        {
            throw new KeystoreException(KeystoreErrorKind.Corrupt, path,
                $"The trust ledger '{path}' is not valid JSON ({e.Message.TrimEnd('.')}); restore it from '{path}.bak' or remove it.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The trust ledger '{path}' cannot be read; check its permissions.", e);
        }
    }

    /// <summary>Adds or updates entries (by SHA-256: sources and stores are merged, the first time kept).</summary>
    public static void Record(string path, IReadOnlyList<LedgerEntry> additions, TimeSpan? lockTimeout = null)
    {
        if (additions.Count == 0)
        {
            return;
        }
        path = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        KeystoreLock fileLock;
        try
        {
            fileLock = KeystoreLock.Acquire(path, lockTimeout ?? TimeSpan.FromSeconds(30));
        }
        catch (KeystoreException e)
        {
            throw new KeystoreException(e.Kind, path, e.Kind == KeystoreErrorKind.Locked
                ? $"The trust ledger '{path}' has been locked by another process for too long; try again, or delete '{path}.lock' if no CertHeal process is running."
                : $"The trust ledger '{path}' could not be written (its folder is not writable); check the permissions of its folder.", e);
        }
        using var held = fileLock;
        var ledger = Read(path);
        // Indexed by fingerprint: a merge of thousands of certificates records them all, and a
        // scan per addition made the profile's biggest cost (dotnet-trace of certheal merge).
        var byFingerprint = new Dictionary<string, LedgerEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in ledger.Entries)
        {
            byFingerprint.TryAdd(entry.Sha256Fingerprint, entry);
        }
        foreach (var addition in additions)
        {
            if (!byFingerprint.TryGetValue(addition.Sha256Fingerprint, out var existing))
            {
                ledger.Entries.Add(addition);
                byFingerprint[addition.Sha256Fingerprint] = addition;
                continue;
            }
            existing.Sources = [.. existing.Sources.Union(addition.Sources)];
            existing.Stores = [.. existing.Stores.Union(addition.Stores)];
            existing.LastRecorded = addition.LastRecorded;
            if (addition.IsAnchor && !existing.IsAnchor)
            {
                (existing.IsAnchor, existing.Policy, existing.ApprovedBy) = (true, addition.Policy, addition.ApprovedBy);
            }
        }
        Write(path, JsonSerializer.SerializeToUtf8Bytes(ledger, Json));
    }

    private static void Write(string path, byte[] bytes)
    {
        try
        {
            StoreWrite.RemoveStaleTemporaryFiles(path);
            StoreWrite.Replace(path, bytes, written => JsonSerializer.Deserialize<LedgerDocument>(written, Json), path + ".bak");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The trust ledger '{path}' could not be written ({e.Message.TrimEnd('.')}); check the permissions of its folder.", e);
        }
    }
}
