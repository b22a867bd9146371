using System.Diagnostics;
using CertHeal.Tests.Reliability;
using CertHeal.TestSupport;
using CertHeal.Trust;
using Xunit.Abstractions;

namespace CertHeal.Tests.Ledger;

/// <summary>
/// The ledger at the size that broke the single-file one (100,000 entries across 1,000 stores,
/// half of them deleted): a small merge reads and writes the same ledger bytes as on an empty
/// ledger, the explicit prune forgets the deleted stores, and 8 concurrent merges all succeed.
/// </summary>
[Collection(LedgerBytesCollection.Name)]
public sealed class LedgerScaleTests(ITestOutputHelper output)
{
    private const int Stores = 1000, PerStore = 100;

    [Fact]
    public async Task A_small_merge_costs_the_same_ledger_bytes_on_an_empty_and_a_100000_entry_ledger_and_prune_forgets_deleted_stores()
    {
        var folder = ReliabilityKit.NewFolder("ledger-scale");
        try
        {
            var storesFolder = Directory.CreateDirectory(Path.Combine(folder, "stores")).FullName;
            var full = Path.Combine(folder, "full", "ledger.json");
            var small = Path.Combine(folder, "small", "ledger.json");
            var empty = Path.Combine(folder, "empty", "ledger.json");
            var seed = Stopwatch.StartNew();
            LedgerSeed.Seed(full, Stores, PerStore, s => Path.Combine(storesFolder, $"store{s}.pem"));
            output.WriteLine($"seeded {Stores * PerStore:N0} entries across {Stores:N0} stores in {seed.Elapsed.TotalSeconds:0.0} s");
            for (var s = 0; s < Stores; s += 2)
            {
                File.WriteAllText(Path.Combine(storesFolder, $"store{s}.pem"), ""); // the odd ones were deleted
            }
            Assert.Equal(Stores * PerStore, Directory.EnumerateFiles(Path.Combine(TrustLedger.Folder(full), "entries"), "*.json", SearchOption.AllDirectories).Count());

            // The same store, with the same 100 entries, recorded in a ledger that holds nothing else.
            LedgerSeed.Seed(small, 1, PerStore, s => Path.Combine(storesFolder, $"store{s}.pem"));

            var onEmpty = SmallMerge(empty, Path.Combine(storesFolder, "store0.pem"));
            var onSmall = SmallMerge(small, Path.Combine(storesFolder, "store0.pem"));
            var onFull = SmallMerge(full, Path.Combine(storesFolder, "store0.pem"));

            output.WriteLine($"small merge (5 entries, 1 store): empty ledger read {onEmpty.Read:N0} B, wrote {onEmpty.Written:N0} B; " +
                $"100-entry ledger read {onSmall.Read:N0} B, wrote {onSmall.Written:N0} B; 100,000-entry ledger read {onFull.Read:N0} B, wrote {onFull.Written:N0} B");
            // A 1,000 times larger ledger costs the small merge not one byte more: it reads and writes only
            // the 5 entries' records and the store's own record (which holds that store's fingerprints).
            Assert.Equal(onSmall.Read, onFull.Read);
            Assert.Equal(onSmall.Written, onFull.Written);
            // Against an empty ledger the only difference is the store record's 100 existing fingerprints.
            Assert.Equal(0, onEmpty.Read);
            Assert.Equal(onFull.StoreRecordBefore, onFull.Read);
            Assert.True(onFull.Read <= 20_000, $"a small merge read {onFull.Read} ledger bytes");
            Assert.Equal(onEmpty.Written + (onFull.StoreRecord - onEmpty.StoreRecord), onFull.Written);

            var plan = LedgerPrune.Prune(full, whatIf: true);
            Assert.Equal(Stores / 2, plan.StoresRemoved.Length);
            Assert.Equal(Stores / 2 * PerStore, plan.EntriesRemoved);
            Assert.Equal(Stores, Directory.EnumerateFiles(Path.Combine(TrustLedger.Folder(full), "stores")).Count());

            var prune = await LedgerPrune.PruneAsync(full, whatIf: false);

            output.WriteLine($"prune: {prune.StoresRemoved.Length} stores and {prune.EntriesRemoved:N0} entries forgotten in {prune.Duration.TotalSeconds:0.0} s (plan {plan.Duration.TotalSeconds:0.0} s)");
            Assert.Equal(Stores / 2, prune.StoresRemoved.Length);
            Assert.All(prune.StoresRemoved, s => Assert.False(File.Exists(s)));
            Assert.Equal(Stores / 2 * PerStore, prune.EntriesRemoved);
            Assert.Equal(Stores / 2, prune.StoresKept);
            Assert.Equal(Stores / 2 * PerStore + 5, Directory.EnumerateFiles(Path.Combine(TrustLedger.Folder(full), "entries"), "*.json", SearchOption.AllDirectories).Count());

            // 8 real merges at once into 8 stores, all recording into the big ledger.
            var certificates = ReliabilityKit.Certificates("ledger-concurrent", 8 * 3);
            var merges = Enumerable.Range(0, 8).Select(p =>
            {
                var bundle = Path.Combine(folder, $"batch{p}.pem");
                ReliabilityKit.WritePemBundle(bundle, certificates.Skip(p * 3).Take(3));
                return ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(Path.Combine(folder, $"merge{p}.pem"), bundle), new Dictionary<string, string> { ["CERTHEAL_LEDGER"] = full }, timeoutSeconds: 180);
            }).ToArray();
            var results = await Task.WhenAll(merges);
            foreach (var (code, _, stderr) in results)
            {
                Assert.True(code == 0 && stderr.Length == 0, stderr);
            }
            var recorded = Directory.EnumerateFiles(Path.Combine(TrustLedger.Folder(full), "entries"), "*.json", SearchOption.AllDirectories).Select(Path.GetFileNameWithoutExtension).ToHashSet();
            Assert.All(ReliabilityKit.Fingerprints(certificates), f => Assert.Contains(f, recorded));
            Assert.Empty(Directory.EnumerateFiles(TrustLedger.Folder(full), ".*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_legacy_ledger_json_is_imported_once_and_merged_by_fingerprint()
    {
        var folder = ReliabilityKit.NewFolder("ledger-legacy");
        try
        {
            var ledger = Path.Combine(folder, "ledger.json");
            var legacy = new LedgerDocument { Entries = [FakeEntry(1, "/old/store.pem"), FakeEntry(2, "/old/store.pem")] };
            File.WriteAllBytes(ledger, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(legacy, TrustLedger.Json));

            Assert.Equal(2, TrustLedger.Read(ledger).Entries.Count); // readable before any write
            TrustLedger.Record(ledger, [FakeEntry(2, "/new/store.pem"), FakeEntry(3, "/new/store.pem")]);

            Assert.False(File.Exists(ledger));
            Assert.True(File.Exists(ledger + ".imported"));
            var read = TrustLedger.Read(ledger).Entries.ToDictionary(e => e.Sha256Fingerprint);
            Assert.Equal(3, read.Count);
            Assert.Equal(["/new/store.pem", "/old/store.pem"], read[Fingerprint(2)].Stores.Order(StringComparer.Ordinal));
            Assert.Equal(["/old/store.pem"], read[Fingerprint(1)].Stores);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_damaged_record_is_left_out_of_reads_and_reported_as_a_health_finding()
    {
        var folder = ReliabilityKit.NewFolder("ledger-health");
        try
        {
            var ledger = Path.Combine(folder, "ledger.json");
            var store = Path.Combine(folder, "present.pem");
            File.WriteAllText(store, "");
            TrustLedger.Record(ledger, [FakeEntry(1, store), FakeEntry(2, store), FakeEntry(3, Path.Combine(folder, "gone.pem"))]);
            File.WriteAllText(TrustLedger.EntryFile(TrustLedger.Folder(ledger), Fingerprint(2)), "{ torn");

            Assert.Equal(2, TrustLedger.Read(ledger).Entries.Count);
            var findings = LedgerHealth.Findings(ledger);

            Assert.Single(findings, f => f.Code == CertHeal.Validation.FindingCodes.LedgerDamaged && f.Message.Contains(Fingerprint(2)));
            Assert.Single(findings, f => f.Code == CertHeal.Validation.FindingCodes.LedgerStoreMissing && f.Message.Contains("gone.pem"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (long Read, long Written, long StoreRecord, long StoreRecordBefore) SmallMerge(string ledger, string store)
    {
        var entries = Enumerable.Range(0, 5).Select(i => FakeEntry(10_000_000 + i, store)).ToList();
        var storeFile = new FileInfo(TrustLedger.StoreFile(TrustLedger.Folder(ledger), store));
        var before = storeFile.Exists ? storeFile.Length : 0;
        var (read, written) = (Interlocked.Read(ref TrustLedger.BytesRead), Interlocked.Read(ref TrustLedger.BytesWritten));
        TrustLedger.Record(ledger, entries);
        var (afterRead, afterWritten) = (Interlocked.Read(ref TrustLedger.BytesRead), Interlocked.Read(ref TrustLedger.BytesWritten));
        storeFile.Refresh();
        return (afterRead - read, afterWritten - written, storeFile.Length, before);
    }

    private static string Fingerprint(int n) => LedgerSeed.Fingerprint(n);

    private static LedgerEntry FakeEntry(int n, string store) => LedgerSeed.FakeEntry(n, store);
}

/// <summary>The ledger's byte counters are per process: tests that read them run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LedgerBytesCollection
{
    public const string Name = "Ledger byte counters";
}
