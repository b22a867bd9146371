using System.Diagnostics;
using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>What <see cref="LedgerPrune.Prune"/> removed (or, with WhatIf, would remove).</summary>
public sealed class LedgerPruneResult
{
    public string LedgerPath { get; set; } = "";
    public bool WhatIf { get; set; }

    /// <summary>The stores that no longer exist and were forgotten.</summary>
    public string[] StoresRemoved { get; set; } = [];

    /// <summary>Stores missing now but absent for less than the stated days, so kept.</summary>
    public string[] StoresAbsentKept { get; set; } = [];

    public int StoresKept { get; set; }

    /// <summary>Entries no remaining store refers to, removed with their stores.</summary>
    public int EntriesRemoved { get; set; }

    /// <summary>
    /// Missing stores whose absence this prune started timing (when it forgets only stores absent
    /// for some days) and returned stores whose timing it stopped: their records are rewritten
    /// although nothing is forgotten.
    /// </summary>
    public int AbsenceUpdates { get; set; }

    /// <summary>Whether the ledger's files were changed (never with WhatIf).</summary>
    public bool Written { get; set; }

    /// <summary>
    /// Whether the ledger was written or, with WhatIf, would be: the same rule as
    /// <see cref="KeystoreChange.Changed"/>, so a check run predicts the real one.
    /// </summary>
    public bool Changed => WhatIf ? StoresRemoved.Length + EntriesRemoved + AbsenceUpdates > 0 : Written;

    public TimeSpan Duration { get; set; }
}

/// <summary>
/// Forgets stores that no longer exist, and the entries only they held. Never automatic on a
/// merge: a store can be absent for a moment (a JDK mid-upgrade), and forgetting it then would
/// lose exactly what Sync-Keystore needs. The caller prunes explicitly, optionally only stores
/// absent for a stated number of days (the first prune that finds a store missing notes when).
/// </summary>
public static class LedgerPrune
{
    public static Task<LedgerPruneResult> PruneAsync(string path, bool whatIf, int? absentDays = null, TimeProvider? clock = null, CancellationToken cancellation = default) =>
        Task.Run(() => Prune(path, whatIf, absentDays, clock, cancellation), cancellation);

    public static LedgerPruneResult Prune(string path, bool whatIf, int? absentDays = null, TimeProvider? clock = null, CancellationToken cancellation = default)
    {
        var watch = Stopwatch.StartNew();
        var now = (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        var folder = TrustLedger.Folder(path);
        var result = new LedgerPruneResult { LedgerPath = folder, WhatIf = whatIf };
        using var held = whatIf ? null : TrustLedger.Lock(path);
        var removed = new List<string>();
        var absentKept = new List<string>();
        var referenced = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var removedFingerprints = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        TrustLedger.Write(path, () =>
        {
            foreach (var file in TrustLedger.RecordFiles(Path.Combine(folder, "stores")))
            {
                cancellation.ThrowIfCancellationRequested();
                if (TrustLedger.TryReadRecord<LedgerStore>(file) is not { } store)
                {
                    continue;
                }
                if (Exists(store.Path))
                {
                    referenced.UnionWith(store.Fingerprints);
                    if (store.AbsentSince is not null)
                    {
                        result.AbsenceUpdates++;
                        if (!whatIf)
                        {
                            store.AbsentSince = null;
                            TrustLedger.WriteRecord(file, store);
                        }
                    }
                    continue;
                }
                var since = store.AbsentSince ?? now;
                if (absentDays is { } days && now - since < TimeSpan.FromDays(days))
                {
                    absentKept.Add(store.Path);
                    referenced.UnionWith(store.Fingerprints);
                    if (store.AbsentSince is null)
                    {
                        result.AbsenceUpdates++;
                        if (!whatIf)
                        {
                            store.AbsentSince = now;
                            TrustLedger.WriteRecord(file, store);
                        }
                    }
                    continue;
                }
                removed.Add(store.Path);
                removedFingerprints.UnionWith(store.Fingerprints);
                if (!whatIf)
                {
                    File.Delete(file);
                }
            }
            // An entry goes only when every store it was written into is gone: a certificate some
            // other store still holds stays recorded for it.
            foreach (var fingerprint in removedFingerprints.Where(f => !referenced.Contains(f)))
            {
                var file = TrustLedger.EntryFile(folder, fingerprint);
                // A forget mark outlives the stores: it is what keeps a later merge from re-adding the certificate.
                if (!File.Exists(file) || TrustLedger.TryReadRecord<LedgerEntry>(file)?.Forgotten is not null)
                {
                    continue;
                }
                result.EntriesRemoved++;
                if (!whatIf)
                {
                    File.Delete(file);
                }
            }
            result.StoresKept = TrustLedger.RecordFiles(Path.Combine(folder, "stores")).Count() - (whatIf ? removed.Count : 0);
        });
        result.StoresRemoved = [.. removed];
        result.StoresAbsentKept = [.. absentKept];
        result.Written = !whatIf && removed.Count + result.EntriesRemoved + result.AbsenceUpdates > 0;
        result.Duration = watch.Elapsed;
        return result;
    }

    /// <summary>A Windows store path cannot be checked from here and always counts as present.</summary>
    internal static bool Exists(string store) => KeystoreFormats.Exists(store);
}
