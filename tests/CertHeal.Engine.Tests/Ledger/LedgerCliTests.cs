using System.Text.Json;
using CertHeal.Keystores;
using CertHeal.Tests.Reliability;
using CertHeal.TestSupport;
using CertHeal.Trust;
using CertHeal.Validation;

namespace CertHeal.Tests.Ledger;

/// <summary>
/// The ledger as a script sees it through certheal: a ledger that cannot be written after the
/// keystore was is a warning (exit 0, stderr, Written=true with Warnings), and confirm --ledger
/// reports the ledger's own health.
/// </summary>
public sealed class LedgerCliTests
{
    [Fact]
    public async Task A_ledger_failure_after_the_keystore_write_is_exit_0_a_stderr_warning_and_a_written_change_with_warnings()
    {
        var folder = ReliabilityKit.NewFolder("ledger-warning");
        try
        {
            var certificates = ReliabilityKit.Certificates("ledger-warning", 3);
            var store = Path.Combine(folder, "store.pem");
            var incoming = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(store, certificates.Take(1));
            ReliabilityKit.WritePemBundle(incoming, certificates.Skip(1));
            // The ledger's folder would have to be created under a regular file: it cannot be, as root too.
            var blocker = Path.Combine(folder, "not-a-folder");
            File.WriteAllText(blocker, "");
            var ledger = Path.Combine(blocker, "ledger.json");

            var (code, stdout, stderr) = await ReliabilityKit.RunCliAsync([.. ReliabilityKit.MergeArgs(store, incoming), "--ledger", ledger, "--json"]);

            Assert.True(code == 0, stderr);
            Assert.StartsWith($"certheal: warning: The keystore '{store}' was merged, but the trust ledger", stderr);
            var change = JsonDocument.Parse(stdout).RootElement;
            Assert.True(change.GetProperty("Written").GetBoolean());
            Assert.Equal(2, change.GetProperty("Added").GetInt32());
            var warning = Assert.Single(change.GetProperty("Warnings").EnumerateArray()).GetString();
            Assert.StartsWith($"The keystore '{store}' was merged, but the trust ledger", warning);
            Assert.Equal(3, ReliabilityKit.EntrySet(store).Count);

            // The same through the engine: the KeystoreChange a cmdlet writes to the pipeline.
            var more = ReliabilityKit.Certificates("ledger-warning-engine", 1);
            var change2 = KeystoreMerger.Merge(store, null, null, more,
                new MergeOptions { Policy = TrustPolicy.Pinned, TrustedFingerprints = [CertificateFacts.Sha256Fingerprint(more[0])], Recorder = new LedgerRecorder(ledger) }, new SaveOptions());
            Assert.True(change2.Written);
            Assert.Equal(1, change2.Added);
            Assert.StartsWith($"The keystore '{store}' was merged, but the trust ledger", Assert.Single(change2.Warnings));
            Assert.Equal(4, ReliabilityKit.EntrySet(store).Count);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Cli_confirm_with_a_ledger_reports_a_damaged_record_and_a_missing_store()
    {
        var folder = ReliabilityKit.NewFolder("ledger-confirm");
        try
        {
            var certificates = ReliabilityKit.Certificates("ledger-confirm", 2);
            var store = Path.Combine(folder, "store.pem");
            var incoming = Path.Combine(folder, "incoming.pem");
            var gone = Path.Combine(folder, "gone.pem");
            var ledger = Path.Combine(folder, "ledger.json");
            ReliabilityKit.WritePemBundle(store, certificates.Take(1));
            ReliabilityKit.WritePemBundle(incoming, certificates.Skip(1));
            ReliabilityKit.WritePemBundle(gone, certificates.Take(1));
            var merged = await ReliabilityKit.RunCliAsync([.. ReliabilityKit.MergeArgs(store, incoming), "--ledger", ledger]);
            Assert.True(merged.Code == 0 && merged.Stderr.Length == 0, merged.Stderr);
            var other = await ReliabilityKit.RunCliAsync([.. ReliabilityKit.MergeArgs(gone, incoming), "--ledger", ledger]);
            Assert.True(other.Code == 0, other.Stderr);
            File.Delete(gone);
            var record = TrustLedger.EntryFile(TrustLedger.Folder(ledger), CertificateFacts.Sha256Fingerprint(certificates[1]));
            Assert.True(File.Exists(record), record);
            File.WriteAllText(record, "{ torn");

            var (code, stdout, stderr) = await ReliabilityKit.RunCliAsync(["confirm", store, "--ledger", ledger, "--json"]);

            Assert.True(code == 0, stdout + stderr);
            var findings = JsonDocument.Parse(stdout).RootElement.EnumerateArray().Single().GetProperty("Findings").EnumerateArray()
                .Select(f => (Code: f.GetProperty("Code").GetString(), Message: f.GetProperty("Message").GetString() ?? "")).ToList();
            Assert.Single(findings, f => f.Code == FindingCodes.LedgerDamaged && f.Message.Contains(Path.GetFileName(record)));
            Assert.Single(findings, f => f.Code == FindingCodes.LedgerStoreMissing && f.Message.Contains("gone.pem"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Cli_ledger_prune_forgets_missing_stores_only_when_asked_and_absent_days_waits_the_stated_days()
    {
        var folder = ReliabilityKit.NewFolder("ledger-prune");
        try
        {
            var ledger = Path.Combine(folder, "ledger.json");
            var present = Path.Combine(folder, "present.pem");
            var gone = Path.Combine(folder, "gone.pem");
            File.WriteAllText(present, "");
            // Entry 2 is in both stores: it stays for the store that still exists.
            TrustLedger.Record(ledger, [LedgerSeed.FakeEntry(1, present), LedgerSeed.FakeEntry(2, present), LedgerSeed.FakeEntry(2, gone), LedgerSeed.FakeEntry(3, gone)]);
            var goneRecord = TrustLedger.StoreFile(TrustLedger.Folder(ledger), gone);
            static string[] Removed(string stdout) => [.. JsonDocument.Parse(stdout).RootElement.GetProperty("StoresRemoved").EnumerateArray().Select(e => e.GetString()!)];

            // A merge into another store never prunes, however long a store has been missing.
            var certificates = ReliabilityKit.Certificates("ledger-prune", 1);
            var incoming = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(incoming, certificates);
            var merged = await ReliabilityKit.RunCliAsync([.. ReliabilityKit.MergeArgs(Path.Combine(folder, "other.pem"), incoming), "--ledger", ledger]);
            Assert.True(merged.Code == 0, merged.Stderr);
            Assert.True(File.Exists(goneRecord));

            var waiting = await ReliabilityKit.RunCliAsync(["ledger", "prune", "--ledger", ledger, "--absent-days", "30", "--json"]);
            Assert.True(waiting.Code == 0, waiting.Stderr);
            Assert.Empty(Removed(waiting.Stdout));
            var noted = TrustLedger.TryReadRecord<LedgerStore>(goneRecord)!;
            Assert.NotNull(noted.AbsentSince);

            // 31 days later (the note moved back): --what-if names it and removes nothing, then the prune forgets it.
            noted.AbsentSince = noted.AbsentSince!.Value.AddDays(-31);
            TrustLedger.WriteRecord(goneRecord, noted);
            var plan = await ReliabilityKit.RunCliAsync(["ledger", "prune", "--ledger", ledger, "--absent-days", "30", "--what-if", "--json"]);
            Assert.True(plan.Code == 0, plan.Stderr);
            Assert.Equal([gone], Removed(plan.Stdout));
            Assert.True(File.Exists(goneRecord));
            var pruned = await ReliabilityKit.RunCliAsync(["ledger", "prune", "--ledger", ledger, "--absent-days", "30"]);
            Assert.True(pruned.Code == 0, pruned.Stderr);
            Assert.Contains("forgot 1 missing stores and 1 entries only they held", pruned.Stdout);

            Assert.False(File.Exists(goneRecord));
            var read = TrustLedger.Read(ledger).Entries.ToDictionary(e => e.Sha256Fingerprint);
            Assert.False(read.ContainsKey(LedgerSeed.Fingerprint(3)));
            Assert.Equal([present], read[LedgerSeed.Fingerprint(2)].Stores);
            Assert.Contains(LedgerSeed.Fingerprint(1), read.Keys);
            Assert.Contains(CertificateFacts.Sha256Fingerprint(certificates[0]), read.Keys);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
