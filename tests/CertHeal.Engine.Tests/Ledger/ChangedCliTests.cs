using System.Security.Cryptography;
using System.Text.Json;
using CertHeal.Tests.Reliability;
using CertHeal.TestSupport;
using CertHeal.Trust;

namespace CertHeal.Tests.Ledger;

/// <summary>
/// `certheal merge|sync|ledger prune --json` as Ansible reads it (changed_when on the top-level
/// Changed): the real process, real files, a temporary ledger. A first run says true, a second says
/// false and leaves the file's bytes and mtime alone, and --what-if predicts the real run exactly.
/// </summary>
public sealed class ChangedCliTests
{
    [Fact]
    public async Task Merge_json_reports_Changed_true_then_false_and_what_if_predicts_the_entries_without_writing()
    {
        var folder = ReliabilityKit.NewFolder("changed-merge");
        try
        {
            var certificates = ReliabilityKit.Certificates("changed-merge", 3);
            var store = Path.Combine(folder, "store.pem");
            var incoming = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(store, certificates.Take(1));
            ReliabilityKit.WritePemBundle(incoming, certificates);
            string[] merge = ["merge", store, incoming, "--policy", "TrustOnFirstUse", "--force", "--ledger", Path.Combine(folder, "ledger.json"), "--json"];
            var before = Snapshot(store);

            var check = await Json([.. merge, "--what-if"]);
            Assert.Equal(before, Snapshot(store));
            var first = await Json(merge);
            var written = Snapshot(store);
            var second = await Json(merge);
            var secondCheck = await Json([.. merge, "--what-if"]);

            Assert.Equal(JsonValueKind.Object, check.ValueKind);
            Assert.True(check.GetProperty("Changed").GetBoolean());
            Assert.True(check.GetProperty("WhatIf").GetBoolean());
            Assert.False(check.GetProperty("Written").GetBoolean());
            Assert.True(first.GetProperty("Changed").GetBoolean());
            Assert.True(first.GetProperty("Written").GetBoolean());
            Assert.NotEqual(before, written);
            Assert.Equal(2, first.GetProperty("Added").GetInt32());
            Assert.Equal(Entries(first), Entries(check));
            Assert.False(second.GetProperty("Changed").GetBoolean());
            Assert.False(second.GetProperty("Written").GetBoolean());
            Assert.False(secondCheck.GetProperty("Changed").GetBoolean());
            Assert.Equal(written, Snapshot(store));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Sync_json_has_a_top_level_Changed_that_is_any_store_changed_and_one_per_store()
    {
        var folder = ReliabilityKit.NewFolder("changed-sync");
        try
        {
            var ledger = Path.Combine(folder, "ledger.json");
            var incoming = Path.Combine(folder, "incoming.pem");
            var source = Path.Combine(folder, "source.pem");
            var synced = Path.Combine(folder, "synced.pem");
            var fresh = Path.Combine(folder, "fresh.pem");
            ReliabilityKit.WritePemBundle(incoming, ReliabilityKit.Certificates("changed-sync", 2));
            var recorded = await ReliabilityKit.RunCliAsync(["merge", source, incoming, "--policy", "TrustOnFirstUse", "--force", "--ledger", ledger]);
            Assert.True(recorded.Code == 0, recorded.Stderr);
            File.WriteAllText(synced, "");
            var before = Snapshot(synced);

            var check = await Json(["sync", synced, "--ledger", ledger, "--what-if", "--json"]);
            Assert.Equal(before, Snapshot(synced));
            var first = await Json(["sync", synced, "--ledger", ledger, "--json"]);
            var written = Snapshot(synced);
            File.WriteAllText(fresh, "");
            var mixed = await Json(["sync", synced, fresh, "--ledger", ledger, "--json"]);
            var afterMixed = (Snapshot(synced), Snapshot(fresh));
            var again = await Json(["sync", synced, fresh, "--ledger", ledger, "--json"]);
            var againCheck = await Json(["sync", synced, fresh, "--ledger", ledger, "--what-if", "--json"]);

            Assert.True(check.GetProperty("Changed").GetBoolean());
            var planned = Assert.Single(check.GetProperty("Changes").EnumerateArray().ToList());
            Assert.True(planned.GetProperty("Changed").GetBoolean());
            Assert.True(planned.GetProperty("WhatIf").GetBoolean());
            Assert.True(first.GetProperty("Changed").GetBoolean());
            var done = Assert.Single(first.GetProperty("Changes").EnumerateArray().ToList());
            Assert.True(done.GetProperty("Written").GetBoolean());
            Assert.Equal(Entries(done), Entries(planned));
            Assert.NotEqual(before, written);
            Assert.True(mixed.GetProperty("Changed").GetBoolean());
            Assert.Equal([false, true], mixed.GetProperty("Changes").EnumerateArray().Select(c => c.GetProperty("Changed").GetBoolean()));
            Assert.Equal(written, afterMixed.Item1);
            Assert.False(again.GetProperty("Changed").GetBoolean());
            Assert.All(again.GetProperty("Changes").EnumerateArray(), c => Assert.False(c.GetProperty("Changed").GetBoolean()));
            Assert.False(againCheck.GetProperty("Changed").GetBoolean());
            Assert.Equal(afterMixed, (Snapshot(synced), Snapshot(fresh)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Ledger_prune_json_reports_Changed_for_a_forgotten_store_and_for_an_absence_noted_then_false()
    {
        var folder = ReliabilityKit.NewFolder("changed-prune");
        try
        {
            var ledger = Path.Combine(folder, "ledger.json");
            var present = Path.Combine(folder, "present.pem");
            var gone = Path.Combine(folder, "gone.pem");
            File.WriteAllText(present, "");
            TrustLedger.Record(ledger, [LedgerSeed.FakeEntry(1, present), LedgerSeed.FakeEntry(2, gone)]);
            var before = LedgerSnapshot(ledger);

            // --absent-days only starts timing the absence: that is a ledger write too, once.
            var noteCheck = await Json(["ledger", "prune", "--ledger", ledger, "--absent-days", "30", "--what-if", "--json"]);
            Assert.Equal(before, LedgerSnapshot(ledger));
            var noted = await Json(["ledger", "prune", "--ledger", ledger, "--absent-days", "30", "--json"]);
            var afterNote = LedgerSnapshot(ledger);
            var noteAgain = await Json(["ledger", "prune", "--ledger", ledger, "--absent-days", "30", "--json"]);
            Assert.Equal(afterNote, LedgerSnapshot(ledger));

            var check = await Json(["ledger", "prune", "--ledger", ledger, "--what-if", "--json"]);
            Assert.Equal(afterNote, LedgerSnapshot(ledger));
            var pruned = await Json(["ledger", "prune", "--ledger", ledger, "--json"]);
            var afterPrune = LedgerSnapshot(ledger);
            var again = await Json(["ledger", "prune", "--ledger", ledger, "--json"]);
            var againCheck = await Json(["ledger", "prune", "--ledger", ledger, "--what-if", "--json"]);

            Assert.True(noteCheck.GetProperty("Changed").GetBoolean());
            Assert.Empty(noteCheck.GetProperty("StoresRemoved").EnumerateArray());
            Assert.True(noted.GetProperty("Changed").GetBoolean());
            Assert.True(noted.GetProperty("Written").GetBoolean());
            Assert.NotEqual(before, afterNote);
            Assert.False(noteAgain.GetProperty("Changed").GetBoolean());
            Assert.True(check.GetProperty("Changed").GetBoolean());
            Assert.True(check.GetProperty("WhatIf").GetBoolean());
            Assert.Equal([gone], check.GetProperty("StoresRemoved").EnumerateArray().Select(e => e.GetString()));
            Assert.True(pruned.GetProperty("Changed").GetBoolean());
            Assert.Equal([gone], pruned.GetProperty("StoresRemoved").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(check.GetProperty("EntriesRemoved").GetInt32(), pruned.GetProperty("EntriesRemoved").GetInt32());
            Assert.NotEqual(afterNote, afterPrune);
            Assert.False(again.GetProperty("Changed").GetBoolean());
            Assert.False(againCheck.GetProperty("Changed").GetBoolean());
            Assert.Equal(afterPrune, LedgerSnapshot(ledger));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<JsonElement> Json(string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(args);
        Assert.True(code == 0, $"certheal {string.Join(' ', args)}: exit {code}: {stderr}{stdout}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    /// <summary>What "nothing written" means to a configuration tool: the same bytes and the same modification time.</summary>
    private static string Snapshot(string path) =>
        $"{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))} {File.GetLastWriteTimeUtc(path):O}";

    /// <summary>Every record of the ledger (its lock file aside): name, bytes and modification time.</summary>
    private static string LedgerSnapshot(string ledger)
    {
        var folder = TrustLedger.Folder(ledger);
        return string.Join("\n", Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(folder, f) + " " + Snapshot(f)));
    }

    private static List<string> Entries(JsonElement change) =>
        [.. change.GetProperty("Entries").EnumerateArray().Select(e => $"{e.GetProperty("Action").GetString()} {e.GetProperty("Sha256Fingerprint").GetString()}")];
}
