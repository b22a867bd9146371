using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>
/// The trust ledger: what merges healed, so Sync-Keystore can re-apply it to stores an upgrade
/// replaced. It is a folder of small records, not one document, because a single file that
/// every merge reads and rewrites whole grew past what a merge can afford (68 MB seen) and
/// then failed merges that had already written their keystore:
///   entries/&lt;2 hex&gt;/&lt;SHA-256&gt;.json  one certificate and why it was trusted (merged by fingerprint)
///   stores/&lt;hash of path&gt;.json        one store and the fingerprints written into it
///   audit/&lt;yyyy-MM&gt;/...json            one record per keystore write (see LedgerAudit)
/// A merge reads and writes only the records it touches, under the ledger's lock, each through
/// the one write path (<see cref="StoreWrite"/>), so its cost does not depend on the ledger's
/// size. The configured path keeps its historical form `ledger.json`: the records live in the
/// folder of that name without `.json`, and a legacy ledger.json found there is imported once.
/// </summary>
public static class TrustLedger
{
    private const long MaxRecordBytes = 16L * 1024 * 1024;
    private const long MaxLegacyBytes = 1024L * 1024 * 1024;

    internal static readonly JsonSerializerOptions Json = LedgerJson.Default.Options;

    /// <summary>Ledger bytes read and written by this process; tests show a small merge's cost does not grow with the ledger.</summary>
    internal static long BytesRead;

    /// <summary>See <see cref="BytesRead"/>.</summary>
    internal static long BytesWritten;

    /// <summary>False while a test seeds a large ledger: records are still written whole by rename, just not flushed one by one.</summary>
    internal static bool FlushRecords = true;

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

    /// <summary>The folder that holds the records of the ledger configured as <paramref name="path"/>.</summary>
    public static string Folder(string path)
    {
        path = Path.GetFullPath(path);
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? path[..^5] : path;
    }

    /// <summary>The single-file ledger of earlier versions, imported on the first write.</summary>
    internal static string LegacyFile(string path) => Folder(path) + ".json";

    internal static string EntryFile(string folder, string fingerprint)
    {
        var upper = fingerprint.ToUpperInvariant();
        return Path.Combine(folder, "entries", upper[..2], upper + ".json");
    }

    internal static string StoreFile(string folder, string store) =>
        Path.Combine(folder, "stores", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(store)))[..32] + ".json");

    /// <summary>
    /// The whole ledger (every entry with the stores it was written into), or an empty one.
    /// A damaged record is left out here (Sync goes on with the rest) and reported by <see cref="LedgerHealth"/>.
    /// </summary>
    public static LedgerDocument Read(string path)
    {
        var folder = Folder(path);
        var document = new LedgerDocument { Path = folder };
        var legacy = LegacyFile(path);
        var byFingerprint = new Dictionary<string, LedgerEntry>(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(legacy))
        {
            // Not imported yet (nothing was written since the upgrade): read it as it is.
            foreach (var entry in ReadLegacy(legacy).Entries)
            {
                byFingerprint.TryAdd(entry.Sha256Fingerprint, entry);
            }
        }
        foreach (var file in RecordFiles(Path.Combine(folder, "entries")))
        {
            if (TryReadRecord<LedgerEntry>(file) is { } entry && entry.Sha256Fingerprint.Length == 64)
            {
                if (byFingerprint.TryGetValue(entry.Sha256Fingerprint, out var older))
                {
                    Merge(entry, older);
                }
                entry.Stores = [];
                byFingerprint[entry.Sha256Fingerprint] = entry;
            }
        }
        var stores = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var record in ReadStores(folder))
        {
            foreach (var fingerprint in record.Fingerprints)
            {
                if (!stores.TryGetValue(fingerprint, out var list))
                {
                    stores[fingerprint] = list = [];
                }
                list.Add(record.Path);
            }
        }
        foreach (var entry in byFingerprint.Values)
        {
            if (stores.TryGetValue(entry.Sha256Fingerprint, out var list))
            {
                entry.Stores = [.. entry.Stores.Union(list, StringComparer.Ordinal)];
            }
            document.Entries.Add(entry);
        }
        document.Entries.Sort((a, b) => a.FirstRecorded.CompareTo(b.FirstRecorded));
        return document;
    }

    /// <summary>Adds or updates entries (by SHA-256: sources and stores are merged, the first time kept).</summary>
    public static void Record(string path, IReadOnlyList<LedgerEntry> additions, TimeSpan? lockTimeout = null)
    {
        if (additions.Count == 0)
        {
            return;
        }
        var folder = Folder(path);
        using var held = Lock(path, lockTimeout);
        Write(path, () =>
        {
            ImportLegacy(path);
            RecordUnlocked(folder, additions);
        });
    }

    private static void RecordUnlocked(string folder, IReadOnlyList<LedgerEntry> additions)
    {
        var byStore = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var now = DateTime.UtcNow;
        // The lock sweeps only the ledger's top folder (a recursive sweep would cost every merge the
        // ledger's size), so a killed writer's temporaries are swept from each folder a write touches, once.
        var swept = new HashSet<string>(StringComparer.Ordinal);
        // Gathered and written as one batch (one file-system sync for all of them) after the sweeps,
        // so no sweep can meet this merge's own temporaries.
        var pending = new List<StoreWrite.Pending>();
        void WriteSwept<T>(string file, T record)
        {
            if (swept.Add(Path.GetDirectoryName(file)!))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                StoreWrite.RemoveStaleTemporaryFilesIn(Path.GetDirectoryName(file)!);
            }
            var info = LedgerJson.Info<T>(Json);
            pending.Add(new StoreWrite.Pending(file, JsonSerializer.SerializeToUtf8Bytes(record, info), written => JsonSerializer.Deserialize(written, info)));
        }
        foreach (var addition in additions.GroupBy(a => a.Sha256Fingerprint.ToUpperInvariant()).Select(g => g.Aggregate((a, b) => { Merge(a, b); return a; })))
        {
            var fingerprint = addition.Sha256Fingerprint.ToUpperInvariant();
            var file = EntryFile(folder, fingerprint);
            var existing = File.Exists(file) ? TryReadRecord<LedgerEntry>(file) : null;
            var stores = addition.Stores;
            var record = Clone(addition);
            record.Sha256Fingerprint = fingerprint;
            record.Stores = [];
            if (existing is not null)
            {
                var before = JsonSerializer.Serialize(existing, LedgerJson.Default.LedgerEntry);
                Merge(existing, record);
                existing.Stores = [];
                record = existing;
                if (JsonSerializer.Serialize(existing, LedgerJson.Default.LedgerEntry) == before)
                {
                    record = null;
                }
            }
            if (record is not null)
            {
                WriteSwept(file, record);
            }
            foreach (var store in stores)
            {
                if (!byStore.TryGetValue(store, out var set))
                {
                    byStore[store] = set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                }
                set.Add(fingerprint);
            }
            now = addition.LastRecorded == default ? now : addition.LastRecorded;
        }
        foreach (var (store, fingerprints) in byStore)
        {
            var file = StoreFile(folder, store);
            var record = (File.Exists(file) ? TryReadRecord<LedgerStore>(file) : null) ?? new LedgerStore { Path = store, FirstRecorded = now };
            var count = record.Fingerprints.Count;
            record.Fingerprints.UnionWith(fingerprints);
            if (record.Fingerprints.Count != count || record.AbsentSince is not null || record.LastRecorded < now)
            {
                (record.LastRecorded, record.AbsentSince) = (now, null);
                WriteSwept(file, record);
            }
        }
        StoreWrite.ReplaceAll(pending, flush: FlushRecords);
        Interlocked.Add(ref BytesWritten, pending.Sum(p => (long)p.Bytes.Length));
    }

    /// <summary>
    /// Test and import seeding: records entries without the per-merge bookkeeping, many at a time,
    /// through the same record writer (a 100,000-entry ledger is built in seconds, not by merges).
    /// </summary>
    internal static void RecordMany(string path, IEnumerable<LedgerEntry> additions, int batch = 5000)
    {
        var list = new List<LedgerEntry>(batch);
        foreach (var addition in additions)
        {
            list.Add(addition);
            if (list.Count == batch)
            {
                Record(path, list);
                list.Clear();
            }
        }
        Record(path, list);
    }

    internal static void Merge(LedgerEntry into, LedgerEntry from)
    {
        // A forget marks the entry; a merge recorded after it (only a named pin gets past the
        // forget rule) clears the mark. Judged before LastRecorded moves on.
        if (from.Forgotten is { } forgotten)
        {
            if (into.Forgotten is null)
            {
                (into.Forgotten, into.ForgottenBy) = (forgotten, from.ForgottenBy);
            }
        }
        else if (into.Forgotten is { } marked && from.LastRecorded > marked)
        {
            (into.Forgotten, into.ForgottenBy) = (null, null);
        }
        into.Sources = [.. into.Sources.Union(from.Sources)];
        into.Stores = [.. into.Stores.Union(from.Stores)];
        if (from.LastRecorded > into.LastRecorded)
        {
            into.LastRecorded = from.LastRecorded;
        }
        if (from.FirstRecorded != default && (into.FirstRecorded == default || from.FirstRecorded < into.FirstRecorded))
        {
            into.FirstRecorded = from.FirstRecorded;
        }
        if (from.IsAnchor && !into.IsAnchor)
        {
            (into.IsAnchor, into.Policy, into.ApprovedBy) = (true, from.Policy, from.ApprovedBy);
        }
    }

    /// <summary>
    /// When the entry of <paramref name="fingerprint"/> was forgotten, or null: one record read,
    /// so a merge's cost does not grow with the ledger. The legacy single file counts too.
    /// </summary>
    internal static DateTime? ForgottenOn(string path, string fingerprint)
    {
        var file = EntryFile(Folder(path), fingerprint);
        if (File.Exists(file) && TryReadRecord<LedgerEntry>(file) is { } entry)
        {
            return entry.Forgotten;
        }
        return null;
    }

    /// <summary>A copy the caller's entry does not share arrays with (a JSON round trip per record was a tenth of a 10,000-record write).</summary>
    private static LedgerEntry Clone(LedgerEntry entry)
    {
        var copy = entry.ShallowCopy();
        (copy.Sources, copy.Stores) = ([.. entry.Sources], [.. entry.Stores]);
        return copy;
    }

    /// <summary>
    /// Moves a legacy ledger.json into records, then retires it to `ledger.json.imported` by
    /// rename. A crash before the rename only repeats the import (records merge by fingerprint).
    /// </summary>
    private static void ImportLegacy(string path)
    {
        var legacy = LegacyFile(path);
        if (!File.Exists(legacy))
        {
            return;
        }
        var document = ReadLegacy(legacy);
        if (document.Entries.Count > 0)
        {
            RecordUnlocked(Folder(path), document.Entries);
        }
        StoreWrite.Retire(legacy, legacy + ".imported");
    }

    private static LedgerDocument ReadLegacy(string legacy)
    {
        try
        {
            if (new FileInfo(legacy).Length > MaxLegacyBytes)
            {
                throw new KeystoreException(KeystoreErrorKind.Corrupt, legacy, $"The legacy trust ledger '{legacy}' is larger than 1 GiB, so it was not imported; move it aside.");
            }
            var bytes = File.ReadAllBytes(legacy);
            Interlocked.Add(ref BytesRead, bytes.Length);
            return bytes.Length == 0 ? new LedgerDocument() : JsonSerializer.Deserialize(bytes, LedgerJson.Default.LedgerDocument) ?? new LedgerDocument();
        }
        catch (JsonException e)
        {
            throw new KeystoreException(KeystoreErrorKind.Corrupt, legacy,
                $"The legacy trust ledger '{legacy}' is not valid JSON ({e.Message.TrimEnd('.')}), so it was not imported; restore it from '{legacy}.bak' or move it aside.", e);
        }
    }

    internal static IEnumerable<LedgerStore> ReadStores(string folder)
    {
        foreach (var file in RecordFiles(Path.Combine(folder, "stores")))
        {
            if (TryReadRecord<LedgerStore>(file) is { } store && store.Path.Length > 0)
            {
                yield return store;
            }
        }
    }

    /// <summary>The record files under <paramref name="root"/> (temporary files of the write path excluded).</summary>
    internal static IEnumerable<string> RecordFiles(string root) =>
        Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)
            : [];

    /// <summary>A record, or null when it is damaged (unreadable, not JSON, too big).</summary>
    internal static T? TryReadRecord<T>(string file) where T : class
    {
        try
        {
            var info = new FileInfo(file);
            if (info.Length > MaxRecordBytes)
            {
                return null;
            }
            var bytes = File.ReadAllBytes(file);
            Interlocked.Add(ref BytesRead, bytes.Length);
            return JsonSerializer.Deserialize(bytes, LedgerJson.Info<T>(Json));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static void WriteRecord<T>(string file, T record)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var info = LedgerJson.Info<T>(Json);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, info);
        StoreWrite.Replace(file, bytes, written => JsonSerializer.Deserialize(written, info), flush: FlushRecords);
        Interlocked.Add(ref BytesWritten, bytes.Length);
    }

    /// <summary>The ledger's lock (one for the folder: merges touch few records and hold it briefly); stale temporaries are cleaned under it.</summary>
    internal static IDisposable Lock(string path, TimeSpan? timeout = null)
    {
        var folder = Folder(path);
        try
        {
            Directory.CreateDirectory(folder);
            var held = KeystoreLock.Acquire(Path.Combine(folder, ".certheal"), timeout ?? TimeSpan.FromSeconds(30));
            StoreWrite.RemoveStaleTemporaryFilesIn(folder);
            return held;
        }
        catch (KeystoreException e)
        {
            throw new KeystoreException(e.Kind, path, e.Kind == KeystoreErrorKind.Locked
                ? $"The trust ledger '{folder}' has been locked by another process for too long; try again, or delete '{Path.Combine(folder, ".certheal.lock")}' if no CertHeal process is running."
                : $"The trust ledger '{folder}' could not be written (its folder is not writable); check the permissions of its folder.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The trust ledger folder '{folder}' could not be created ({e.Message.TrimEnd('.')}); check the permissions of its parent.", e);
        }
    }

    /// <summary>Runs a write of records, turning file-system failures into one sentence that names the ledger.</summary>
    internal static void Write(string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The trust ledger '{Folder(path)}' could not be written ({e.Message.TrimEnd('.')}); check the permissions of its folder.", e);
        }
    }
}
