using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;
using CertHeal.Validation;

namespace CertHeal.Tests.Ledger;

/// <summary>
/// The upgrade story end to end: heal a leaf-only lab server into a real JDK cacerts, replace it
/// with a fresh copy (the upgrade), Sync restores the entry, Java trusts the server again, and a
/// second Sync writes nothing. Every ledger here is a temporary file.
/// </summary>
public sealed class LedgerSyncTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string Password = "changeit";

    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    /// <summary>The system JDK's real cacerts plus the lab root (the "public CA" a shipped JDK trusts): the store as an upgrade ships it.</summary>
    private string ShippedCacerts()
    {
        var original = NewPath("shipped-cacerts");
        File.Copy(Discovery.DiscoveryFixture.SystemJdkCacerts(), original);
        using var password = KeystorePassword.FromString(Password);
        var seeded = KeystoreMerger.Merge(original, null, password, [fixture.Lab.Trusted.Root],
            new MergeOptions { Policy = TrustPolicy.Pinned, TrustedFingerprints = [CertificateFacts.Sha256Fingerprint(fixture.Lab.Trusted.Root)], System = fixture.Trust }, new SaveOptions());
        Assert.Equal(1, seeded.Added);
        return original;
    }

    private Task<List<X509Certificate2>> CollectAsync(LabEndpoint endpoint) => LabClients.CollectAsync(fixture, endpoint);

    private KeystoreChange Heal(string store, IReadOnlyList<X509Certificate2> chain, string ledger, string source)
    {
        using var password = KeystorePassword.FromString(Password);
        return KeystoreMerger.Merge(store, null, password, chain, new MergeOptions
        {
            System = fixture.Trust,
            Recorder = new LedgerRecorder(ledger, chain.ToDictionary(c => c.Thumbprint, _ => source)),
        }, new SaveOptions());
    }

    private static KeystoreChange Sync(string store, string ledger, bool whatIf = false, TrustAnchors? system = null) =>
        LedgerSync.SyncStore(store, null, null, TrustLedger.Read(ledger), new SyncOptions { WhatIf = whatIf, System = system, Recorder = new LedgerRecorder(ledger) });

    [Fact]
    public async Task Heal_upgrade_sync_Java_trusts_again_and_a_second_sync_writes_nothing()
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out _);
        var shipped = ShippedCacerts();
        var store = NewPath("cacerts");
        File.Copy(shipped, store);
        var ledger = NewPath("ledger.json");

        var healed = Heal(store, await CollectAsync(server), ledger, server.Target);
        var afterHeal = await JavaProbeAsync(server, store);
        File.Copy(shipped, store, overwrite: true); // the upgrade: a fresh cacerts without the healed entry
        var afterUpgrade = await JavaProbeAsync(server, store);
        var drift = await KeystoreValidator.ValidateFileAsync(store, null, null, new ValidationOptions { Ledger = TrustLedger.Read(ledger) }, default);
        var plan = Sync(store, ledger, whatIf: true, system: fixture.Trust);
        var planBytes = File.ReadAllBytes(store);
        var synced = Sync(store, ledger, system: fixture.Trust);
        var afterSync = await JavaProbeAsync(server, store);
        var bytes = File.ReadAllBytes(store);
        var stamp = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(store, stamp);
        var again = Sync(store, ledger, system: fixture.Trust);

        var recorded = Assert.Single(TrustLedger.Read(ledger).Entries);
        Assert.Equal(CertificateFacts.Sha256Fingerprint(fixture.Lab.Trusted.Intermediate), recorded.Sha256Fingerprint);
        Assert.Equal([server.Target], recorded.Sources);
        Assert.Equal("ChainToTrusted", recorded.Policy);
        Assert.False(recorded.IsAnchor);
        Assert.Contains(Path.GetFullPath(store), recorded.Stores);
        Assert.Equal(fixture.Lab.Trusted.Intermediate.Thumbprint, CertificateInput.FromPem(recorded.Pem).Thumbprint);
        var ledgerText = string.Concat(Directory.EnumerateFiles(TrustLedger.Folder(ledger), "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.DoesNotContain("PRIVATE", ledgerText);
        Assert.DoesNotContain(Password, ledgerText);

        Assert.Equal(1, healed.Added);
        Assert.True(afterHeal.Code == 0, afterHeal.Stdout + afterHeal.Stderr);
        Assert.Contains("FAILED", afterUpgrade.Stdout);
        var finding = Assert.Single(drift.Findings, f => f.Code == FindingCodes.LedgerDrift);
        Assert.Contains(recorded.Sha256Fingerprint, finding.Message);
        Assert.True(plan.WhatIf && !plan.Written && plan.Added == 1);
        Assert.Equal(File.ReadAllBytes(shipped), planBytes);
        Assert.True(synced.Written);
        Assert.Equal(fixture.Lab.Trusted.Intermediate.Thumbprint, Assert.Single(synced.Entries, e => e.Action == KeystoreChangeAction.Added).Thumbprint);
        Assert.True(afterSync.Code == 0, afterSync.Stdout + afterSync.Stderr);
        Assert.StartsWith("OK", afterSync.Stdout);
        Assert.False(again.Written);
        Assert.Equal(KeystoreChangeAction.Unchanged, Assert.Single(again.Entries).Action);
        Assert.Equal(bytes, File.ReadAllBytes(store));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(store));
    }

    [Fact]
    public void A_pinned_root_is_re_applied_as_pinned_and_an_expired_entry_is_skipped_with_the_reason()
    {
        var ledger = NewPath("ledger.json");
        var store = NewPath("store.pem");
        var pin = CertificateFacts.Sha256Fingerprint(fixture.Lab.Untrusted.Root);
        var now = DateTimeOffset.UtcNow;
        var expired = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=Expired Ledger CA", IsCertificateAuthority = true, NotBefore = now.AddYears(-2), NotAfter = now.AddDays(-3) }, fixture.Lab.Untrusted.Root);
        KeystoreMerger.Merge(store, null, null, [fixture.Lab.Untrusted.Root, fixture.Lab.Untrusted.Intermediate],
            new MergeOptions { Policy = TrustPolicy.Pinned, TrustedFingerprints = [pin], System = fixture.Trust, Recorder = new LedgerRecorder(ledger, null, "file intranet-chain.pem") }, new SaveOptions());
        TrustLedger.Record(ledger, [new LedgerEntry { Sha256Fingerprint = CertificateFacts.Sha256Fingerprint(expired), Subject = expired.Subject, NotAfter = expired.NotAfter.ToUniversalTime(), Pem = expired.ExportCertificatePem() }]);
        var upgraded = NewPath("fresh.pem");
        File.WriteAllText(upgraded, "");

        // The "system" here trusts nothing of the untrusted hierarchy: only the ledger's pin lets its root back in.
        var change = Sync(upgraded, ledger, system: fixture.Trust);

        var root = TrustLedger.Read(ledger).Entries.Single(e => e.Sha256Fingerprint == pin);
        Assert.True(root.IsAnchor);
        Assert.Equal($"pinned SHA-256 {pin}", root.ApprovedBy);
        Assert.Equal(["file intranet-chain.pem"], root.Sources);
        Assert.Equal(2, change.Added);
        var skipped = Assert.Single(change.Entries, e => e.Action == KeystoreChangeAction.Skipped);
        Assert.StartsWith("expired on", skipped.Reason);
        Assert.Equal(2, KeystoreFile.Open(upgraded).TrustedEntries.Count());
        Assert.Contains(Path.GetFullPath(upgraded), root.Stores);
    }

    [Fact]
    public async Task A_ledger_that_cannot_be_written_is_a_warning_on_a_merge_that_happened()
    {
        var folder = Directory.CreateDirectory(NewPath("locked-ledger")).FullName;
        var ledger = Path.Combine(folder, "ledger.json");
        var store = NewPath("store.pem");
        File.WriteAllText(store, CertificateMint.ToPem(fixture.Lab.Trusted.Root));
        Assert.Equal(0, (await Tools.RunAsync("chattr", ["+i", folder])).Code);
        try
        {
            var change = KeystoreMerger.Merge(store, null, null, [fixture.Lab.Trusted.Intermediate],
                new MergeOptions { System = fixture.Trust, Recorder = new LedgerRecorder(ledger) }, new SaveOptions());

            Assert.True(change.Written);
            Assert.Equal(1, change.Added);
            var warning = Assert.Single(change.Warnings);
            Assert.StartsWith($"The keystore '{store}' was merged, but the trust ledger", warning);
            Assert.Equal(2, KeystoreFile.Open(store).TrustedEntries.Count());
        }
        finally
        {
            await Tools.RunAsync("chattr", ["-i", folder]);
        }
    }

    [Fact]
    public async Task Concurrent_recorders_lose_no_ledger_entry()
    {
        var ledger = NewPath("ledger.json");
        var entries = Enumerable.Range(0, 8).Select(i => CertificateMint.Issue(new CertificateMint.Spec { Subject = $"CN=Ledger CA {i}", IsCertificateAuthority = true }, fixture.Lab.Trusted.Root)).ToList();

        await Task.WhenAll(entries.Select(c => Task.Run(() => TrustLedger.Record(ledger, [new LedgerEntry
        {
            Sha256Fingerprint = CertificateFacts.Sha256Fingerprint(c), Subject = c.Subject, Pem = c.ExportCertificatePem(), Stores = [$"store-{c.Subject}"],
        }]))));

        var read = TrustLedger.Read(ledger);
        Assert.Equal(entries.Select(CertificateFacts.Sha256Fingerprint).Order(), read.Entries.Select(e => e.Sha256Fingerprint).Order());
    }

    [Fact]
    public async Task Cli_merge_records_two_processes_at_once_and_cli_confirm_and_sync_restore_after_the_upgrade()
    {
        var ledger = NewPath("ledger.json");
        var shipped = ShippedCacerts();
        var stores = new[] { NewPath("a.jks"), NewPath("b.jks") };
        foreach (var s in stores)
        {
            File.Copy(shipped, s);
        }
        var files = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var ca = CertificateMint.Issue(new CertificateMint.Spec { Subject = $"CN=Cli Ledger CA {i}", IsCertificateAuthority = true }, fixture.Lab.Trusted.Root);
            files.Add(NewPath($"ca{i}.pem"));
            File.WriteAllText(files[^1], CertificateMint.ToPem(ca));
        }

        var merges = await Task.WhenAll(stores.Select((s, i) => CliProcess.RunAsync(["merge", s, files[i], "--password", Password, "--ledger", ledger])));
        File.Copy(shipped, stores[0], overwrite: true);
        var confirm = await CliProcess.RunAsync(["confirm", stores[0], "--password", Password, "--ledger", ledger, "--json"]);
        var sync = await CliProcess.RunAsync(["sync", stores[0], "--ledger", ledger, "--json"]);
        var bytes = File.ReadAllBytes(stores[0]);
        var again = await CliProcess.RunAsync(["sync", stores[0], "--ledger", ledger, "--json"]);
        var other = await CliProcess.RunAsync(["sync", stores[1], "--ledger", ledger, "--what-if", "--json"]);
        var table = await CliProcess.RunAsync(["sync", stores[1], "--ledger", ledger, "--what-if"]);

        Assert.All(merges, m => Assert.True(m.Code == 0, m.Stdout + m.Stderr));
        var recorded = TrustLedger.Read(ledger).Entries;
        Assert.Equal(2, recorded.Count);
        Assert.All(recorded, e => Assert.StartsWith("file ", Assert.Single(e.Sources)));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(confirm.Stdout, "\"LedgerDrift\"").Count);
        Assert.True(sync.Code == 0, sync.Stdout + sync.Stderr);
        Assert.Contains("\"Added\": 2", sync.Stdout); // every ledger entry goes to every store it is synced into
        Assert.Contains("\"Written\": true", sync.Stdout);
        Assert.True(again.Code == 0, again.Stderr);
        Assert.Contains("\"Written\": false", again.Stdout);
        Assert.Contains("\"Unchanged\": 2", again.Stdout);
        Assert.Equal(bytes, File.ReadAllBytes(stores[0]));
        Assert.True(other.Code == 0, other.Stderr);
        var plan = System.Text.Json.JsonDocument.Parse(other.Stdout).RootElement.GetProperty("Changes").EnumerateArray().Single();
        Assert.True(plan.GetProperty("WhatIf").GetBoolean());
        Assert.False(plan.GetProperty("Written").GetBoolean());
        Assert.Equal(1, plan.GetProperty("Added").GetInt32());
        Assert.Equal(1, plan.GetProperty("Unchanged").GetInt32());
        Assert.True(table.Code == 0, table.Stderr);
        Assert.Contains("would", table.Stdout);
    }

    private static Task<(int Code, string Stdout, string Stderr)> JavaProbeAsync(LabEndpoint server, string keystore) =>
        LabClients.JavaProbeAsync(server, keystore, "JKS", Password);
}
