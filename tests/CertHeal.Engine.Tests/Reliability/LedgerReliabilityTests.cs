using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;
using CertHeal.Trust;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// The trust ledger's records go through the same write path as keystores, after the keystore's
/// rename: a merge killed at each step of each kind of record write (its audit record, a
/// certificate's entry, the store's record) tears no record, loses none that an earlier merge
/// committed, leaves the record in flight old or new, and the next merge writes the ledger again.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class LedgerReliabilityTests(ITestOutputHelper output)
{
    /// <summary>The ledger's folder name: only its record writes contain it, so the fault point spares the keystore's.</summary>
    private const string LedgerName = "trail";

    public static TheoryData<string, string> Points()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "audit", "entries", "stores" })
        {
            foreach (var point in KeystoreFaultPoints.All)
            {
                data.Add(kind, point);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_merge_killed_at_each_step_of_a_ledger_record_write_tears_none_and_loses_none(string kind, string point)
    {
        var folder = ReliabilityKit.NewFolder("rec-crash");
        try
        {
            var store = Path.Combine(folder, "store.pem");
            var ledger = Path.Combine(folder, LedgerName + ".json");
            var records = TrustLedger.Folder(ledger);
            var committed = ReliabilityKit.Certificates("ledger-committed", 5);
            var inFlight = ReliabilityKit.Certificates("ledger-in-flight", 3);
            var following = ReliabilityKit.Certificates("ledger-following", 2);
            CommittedMerge(store, ledger, committed);
            var before = Snapshot(records);
            var environment = new Dictionary<string, string>
            {
                ["CERTHEAL_LEDGER"] = ledger,
                // Never the machine's own log from a test: a socket nobody listens on (the line is skipped).
                [LoggerSystemLog.SocketVariable] = Path.Combine(folder, "nobody.sock"),
            };
            var bundle = Path.Combine(folder, "in-flight.pem");
            ReliabilityKit.WritePemBundle(bundle, inFlight);

            var killed = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, bundle),
                new Dictionary<string, string>(environment) { [KeystoreFaultPoints.EnvironmentVariable] = $"{point}@{Path.DirectorySeparatorChar}{LedgerName}{Path.DirectorySeparatorChar}{kind}{Path.DirectorySeparatorChar}" });

            Assert.True(killed.Code == ReliabilityKit.KilledExitCode, $"the writer was not killed at {point} in a {kind} record: exit {killed.Code} {killed.Stderr}");
            var after = Snapshot(records);
            AssertNoneTorn(records);
            // 0 lost: every record committed before stays, byte for byte, except the store's own record, which this merge may have rewritten whole.
            foreach (var (file, bytes) in before)
            {
                Assert.True(after.ContainsKey(file), $"{file} was lost");
                if (!file.Contains(Path.DirectorySeparatorChar + "stores" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    Assert.Equal(bytes, after[file]);
                }
            }
            // The record in flight is old or new, never something between.
            var storeRecord = Assert.Single(TrustLedger.ReadStores(records));
            var storeSet = storeRecord.Fingerprints.Order(StringComparer.Ordinal).ToList();
            var oldSet = ReliabilityKit.Fingerprints(committed);
            var newSet = ReliabilityKit.Fingerprints(committed.Concat(inFlight));
            Assert.True(storeSet.SequenceEqual(oldSet) || storeSet.SequenceEqual(newSet), $"the store's record holds {storeSet.Count} fingerprints, neither the old {oldSet.Count} nor the new {newSet.Count}");
            var landed = after.Keys.Except(before.Keys).ToList();
            var audits = LedgerAudit.ReadAll(ledger).Count();
            Assert.InRange(audits, 1, 2);
            var expectNew = point == KeystoreFaultPoints.AfterRename;
            switch (kind)
            {
                case "audit":
                    Assert.Equal(expectNew ? 2 : 1, audits);
                    Assert.Equal(oldSet, storeSet); // nothing after the audit record ran
                    break;
                case "entries":
                    Assert.Equal(2, audits);
                    Assert.Equal(expectNew ? 2 : 1, landed.Count); // the audit record, and the one entry in flight if it got in
                    Assert.Equal(oldSet, storeSet);
                    break;
                default:
                    Assert.Equal(2, audits);
                    Assert.Equal(expectNew ? newSet : oldSet, storeSet);
                    break;
            }
            var loaded = TrustLedger.Read(ledger);
            Assert.Subset(loaded.Entries.Select(e => e.Sha256Fingerprint).ToHashSet(), oldSet.ToHashSet());
            Assert.DoesNotContain(LedgerHealth.Findings(ledger), f => f.Code == CertHeal.Validation.FindingCodes.LedgerDamaged);
            output.WriteLine($"{kind}@{point}: {landed.Count} new record(s) in place after the kill, {Temporaries(records).Length} temporary file(s) left");

            var next = Path.Combine(folder, "following.pem");
            ReliabilityKit.WritePemBundle(next, following);
            var recovered = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, next), environment);

            Assert.True(recovered.Code == 0, $"the merge after a crash at {point} in a {kind} record failed: {recovered.Stderr}");
            Assert.DoesNotContain("warning", recovered.Stderr);
            AssertNoneTorn(records);
            Assert.Equal(audits + 1, LedgerAudit.ReadAll(ledger).Count());
            var recorded = TrustLedger.Read(ledger).Entries.Select(e => e.Sha256Fingerprint).ToHashSet();
            Assert.Subset(recorded, ReliabilityKit.Fingerprints(committed.Concat(following)).ToHashSet());
            Assert.Subset(Assert.Single(TrustLedger.ReadStores(records)).Fingerprints.ToHashSet(StringComparer.OrdinalIgnoreCase),
                ReliabilityKit.Fingerprints(committed.Concat(following)).ToHashSet());
            // The dead writer's temporaries in the folders the next merge wrote are gone (an entry it never rewrites may keep one; records skip them).
            Assert.DoesNotContain(Temporaries(records), t => !t.Contains(Path.DirectorySeparatorChar + "entries" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Kills at random moments of whole merges (keystore and ledger writes alike), each merge
    /// recording 40 new certificates into a ledger an earlier merge filled: no record is ever torn,
    /// none committed before is lost, and the following merge records again.
    /// </summary>
    [Fact]
    public async Task Merges_killed_at_random_moments_tear_no_ledger_record_and_lose_none()
    {
        const int Kills = 12;
        var folder = ReliabilityKit.NewFolder("rec-random");
        try
        {
            var ledger = Path.Combine(folder, LedgerName + ".json");
            var records = TrustLedger.Folder(ledger);
            var committed = ReliabilityKit.Certificates("ledger-random-committed", 20);
            var incoming = ReliabilityKit.Certificates("ledger-random-new", 40);
            var bundle = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, incoming);
            var environment = new Dictionary<string, string>
            {
                ["CERTHEAL_LEDGER"] = ledger,
                [LoggerSystemLog.SocketVariable] = Path.Combine(folder, "nobody.sock"),
            };
            var seedStore = Path.Combine(folder, "seed.pem");
            CommittedMerge(seedStore, ledger, committed);
            var committedRecords = Snapshot(records).Where(r => !r.Key.Contains(Path.DirectorySeparatorChar + "stores" + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToList();

            // Calibrate on a store of its own: how long one whole merge with its ledger writes takes here.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var full = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(Path.Combine(folder, "calibrate.pem"), bundle), environment);
            var duration = clock.Elapsed;
            Assert.True(full.Code == 0, full.Stderr);

            var random = new Random(2027);
            var budget = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(60).Ticks, duration.Ticks * Kills * 3));
            var started = System.Diagnostics.Stopwatch.StartNew();
            int kills = 0, finished = 0, inLedger = 0;
            for (var round = 0; kills < Kills && started.Elapsed < budget; round++)
            {
                // Each round a new store, so every merge writes its 40 entries' records (or finds them recorded by a killed one).
                var store = Path.Combine(folder, $"store{round}.pem");
                // Half the kills wait for the keystore's rename, so they land among the ledger's record writes that follow it.
                var inLedgerWindow = round % 2 == 0;
                var delay = TimeSpan.FromMilliseconds(duration.TotalMilliseconds * random.NextDouble() * (inLedgerWindow ? 0.3 : 1.1));
                using (var process = ReliabilityKit.StartCli(ReliabilityKit.MergeArgs(store, bundle), environment))
                {
                    var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
                    var until = System.Diagnostics.Stopwatch.StartNew();
                    while (inLedgerWindow && !process.HasExited && !File.Exists(store) && until.Elapsed < duration * 4)
                    {
                        await Task.Delay(1);
                    }
                    if (!process.WaitForExit(delay))
                    {
                        process.Kill(); // SIGKILL
                        kills++;
                        inLedger += File.Exists(store) ? 1 : 0;
                    }
                    else
                    {
                        finished++;
                    }
                    await process.WaitForExitAsync();
                    await drain;
                }
                AssertNoneTorn(records);
                var now = Snapshot(records);
                foreach (var (file, bytes) in committedRecords.Where(r => !r.Key.Contains(Path.DirectorySeparatorChar + "entries" + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                {
                    Assert.True(now.TryGetValue(file, out var still) && still.SequenceEqual(bytes), $"{file} was lost or changed after a kill at {delay.TotalMilliseconds:0} ms");
                }
                // Entries are merged by fingerprint: a committed one may gain a store, never disappear.
                var loaded = TrustLedger.Read(ledger).Entries.Select(e => e.Sha256Fingerprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
                Assert.Subset(loaded, ReliabilityKit.Fingerprints(committed).ToHashSet(StringComparer.OrdinalIgnoreCase));
                Assert.DoesNotContain(LedgerHealth.Findings(ledger), f => f.Code == CertHeal.Validation.FindingCodes.LedgerDamaged);
            }
            output.WriteLine($"one merge {duration.TotalMilliseconds:0} ms; {kills} kills ({inLedger} after the keystore's rename, among the ledger writes), {finished} runs finished before their kill, 0 torn, 0 lost; {started.Elapsed.TotalSeconds:0} s");
            Assert.True(kills >= Kills / 2, $"only {kills} kills fit in the {budget.TotalSeconds:0} s budget");
            Assert.True(inLedger > 0, "no kill landed after the keystore's rename, so no ledger write was interrupted");

            var recovered = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(Path.Combine(folder, "after.pem"), bundle), environment);
            Assert.True(recovered.Code == 0, recovered.Stderr);
            Assert.DoesNotContain("warning", recovered.Stderr);
            var recorded = TrustLedger.Read(ledger).Entries.Select(e => e.Sha256Fingerprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
            Assert.Subset(recorded, ReliabilityKit.Fingerprints(committed.Concat(incoming)).ToHashSet(StringComparer.OrdinalIgnoreCase));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The earlier merge whose records must survive: in-process, through the same recorder the CLI uses.</summary>
    private static void CommittedMerge(string store, string ledger, X509Certificate2[] certificates)
    {
        var change = KeystoreMerger.Merge(store, null, null, certificates, new MergeOptions
        {
            Policy = TrustPolicy.TrustOnFirstUse,
            Recorder = new LedgerRecorder(ledger, null, "committed") { SystemLog = new DroppedSystemLog() },
        }, new SaveOptions());
        Assert.True(change.Written && change.Warnings.Length == 0, string.Join("; ", change.Warnings));
    }

    /// <summary>Every record file (temporaries excluded) with its bytes.</summary>
    private static Dictionary<string, byte[]> Snapshot(string records) =>
        TrustLedger.RecordFiles(records).ToDictionary(f => f, File.ReadAllBytes, StringComparer.Ordinal);

    /// <summary>Each record parses as what its folder holds: a torn one fails the test by name.</summary>
    private static void AssertNoneTorn(string records)
    {
        foreach (var file in TrustLedger.RecordFiles(Path.Combine(records, "entries")))
        {
            Assert.True(TrustLedger.TryReadRecord<LedgerEntry>(file) is { Sha256Fingerprint.Length: 64, Pem.Length: > 0 }, $"torn entry record {file}");
        }
        foreach (var file in TrustLedger.RecordFiles(Path.Combine(records, "stores")))
        {
            Assert.True(TrustLedger.TryReadRecord<LedgerStore>(file) is { Path.Length: > 0 }, $"torn store record {file}");
        }
        foreach (var (file, record) in LedgerAudit.ReadAll(records + ".json"))
        {
            Assert.True(record is { Store.Length: > 0, Entries.Length: > 0 }, $"torn audit record {file}");
        }
    }

    private static string[] Temporaries(string records) => Directory.GetFiles(records, ".*.tmp", SearchOption.AllDirectories);
}
