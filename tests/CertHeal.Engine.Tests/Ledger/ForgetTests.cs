using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CertHeal.Chains;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;
using CertHeal.Validation;

namespace CertHeal.Tests.Ledger;

/// <summary>
/// The undo of a heal, per store format: a lab root healed in by a pinned merge is forgotten, the
/// store no longer has it (keytool and openssl agree), the ledger marks it, Sync and a
/// TrustOnFirstUse merge leave it out, and only a merge that names its SHA-256 puts it back and
/// clears the mark. A store without it is never written.
/// </summary>
public sealed class ForgetTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string Password = "changeit";

    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    private X509Certificate2 Root => fixture.Lab.Untrusted.Root;
    private X509Certificate2 Intermediate => fixture.Lab.Untrusted.Intermediate;
    private string RootFingerprint => CertificateFacts.Sha256Fingerprint(Root);

    private static KeystorePassword? PasswordFor(KeystoreFormat format) => format is KeystoreFormat.Jks or KeystoreFormat.Pkcs12 ? KeystorePassword.FromString(Password) : null;

    private string NewStore(KeystoreFormat format) => format switch
    {
        KeystoreFormat.Directory => Directory.CreateDirectory(NewPath("certs")).FullName,
        KeystoreFormat.Jks => NewPath("store.jks"),
        KeystoreFormat.Pkcs12 => NewPath("store.p12"),
        _ => NewPath("store.pem"),
    };

    private KeystoreChange Merge(string store, KeystoreFormat format, string ledger, TrustPolicy policy, params string[] pins)
    {
        using var password = PasswordFor(format);
        return KeystoreMerger.Merge(store, format, password, [Root, Intermediate],
            new MergeOptions { Policy = policy, TrustedFingerprints = pins, System = fixture.Trust, Recorder = new LedgerRecorder(ledger, null, "file lab-chain.pem") }, new SaveOptions());
    }

    private static ForgetResult Forget(string fingerprint, string ledger, KeystoreFormat format, bool whatIf = false, params string[] stores)
    {
        using var password = PasswordFor(format);
        return LedgerForget.Forget(fingerprint, stores, new ForgetOptions { LedgerPath = ledger, Format = format, Password = password, WhatIf = whatIf, ForgottenBy = "tester@lab" });
    }

    private static HashSet<string> Fingerprints(string store, KeystoreFormat format)
    {
        using var password = PasswordFor(format);
        return KeystoreFile.Open(store, format, password).Entries.Where(e => e.Certificate is not null)
            .Select(e => CertificateFacts.Sha256Fingerprint(e.Certificate!)).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(KeystoreFormat.PemBundle)]
    [InlineData(KeystoreFormat.Pkcs12)]
    [InlineData(KeystoreFormat.Jks)]
    [InlineData(KeystoreFormat.Directory)]
    public async Task Heal_forget_sync_and_TOFU_leave_it_out_and_only_a_named_pin_re_adds_it(KeystoreFormat format)
    {
        var store = NewStore(format);
        var ledger = NewPath("ledger.json");
        var healed = Merge(store, format, ledger, TrustPolicy.Pinned, RootFingerprint);
        Assert.Equal(2, healed.Added);
        var linksBefore = format == KeystoreFormat.Directory ? Links(store) : [];

        var plan = Forget(RootFingerprint, ledger, format, whatIf: true);
        Assert.True(Assert.Single(plan.Changes).Changed);
        Assert.False(plan.Changes[0].Written);
        Assert.Contains(RootFingerprint, Fingerprints(store, format));
        Assert.Null(TrustLedger.Read(ledger).Entries.Single(e => e.Sha256Fingerprint == RootFingerprint).Forgotten);

        // Without --keystore: the stores the ledger says it was written into.
        var forgotten = Forget(RootFingerprint, ledger, format);

        var change = Assert.Single(forgotten.Changes);
        Assert.True(change.Written && change.Changed);
        Assert.Equal(Path.GetFullPath(store), change.Path);
        var row = Assert.Single(change.Entries);
        Assert.Equal((KeystoreChangeAction.Removed, ConsentSource.ForgetRequest), (row.Action, row.ApprovedBy!.Value));
        Assert.Equal(1, change.Removed);
        Assert.True(forgotten.Marked);
        var remaining = Fingerprints(store, format);
        Assert.DoesNotContain(RootFingerprint, remaining);
        Assert.Contains(CertificateFacts.Sha256Fingerprint(Intermediate), remaining);
        var entry = TrustLedger.Read(ledger).Entries.Single(e => e.Sha256Fingerprint == RootFingerprint);
        Assert.NotNull(entry.Forgotten);
        Assert.Equal("tester@lab", entry.ForgottenBy);
        Assert.Equal(["file lab-chain.pem"], entry.Sources);
        await ConfirmWithToolsAsync(store, format, linksBefore);

        // Sync (as an upgrade hook runs it) leaves it out and says why; nothing to write.
        var synced = LedgerSync.SyncStore(store, format, PasswordFor(format), TrustLedger.Read(ledger), new SyncOptions { System = fixture.Trust, Recorder = new LedgerRecorder(ledger) });
        var skipped = Assert.Single(synced.Entries, e => e.Sha256Fingerprint == RootFingerprint);
        Assert.Equal(KeystoreChangeAction.Skipped, skipped.Action);
        Assert.StartsWith($"forgotten on {entry.Forgotten:yyyy-MM-dd}", skipped.Reason);
        Assert.False(synced.Written);
        Assert.DoesNotContain(RootFingerprint, Fingerprints(store, format));

        // Confirm -Ledger: a forgotten entry missing from the store is not drift.
        using (var password = PasswordFor(format))
        {
            var report = await KeystoreValidator.ValidateFileAsync(store, format, password, new ValidationOptions { Ledger = TrustLedger.Read(ledger) }, default);
            Assert.DoesNotContain(report.Findings, f => f.Code == FindingCodes.LedgerDrift);
        }

        // TrustOnFirstUse would take any root: not this one, nor the intermediate that leans only on it.
        var tofu = Merge(store, format, ledger, TrustPolicy.TrustOnFirstUse);
        var refused = Assert.Single(tofu.Entries, e => e.Sha256Fingerprint == RootFingerprint);
        Assert.True(refused.Refused);
        Assert.Contains("forgotten on", refused.Reason);
        Assert.Contains($"trusted fingerprint {RootFingerprint}", refused.Reason);
        Assert.Equal(0, tofu.Added);
        Assert.DoesNotContain(RootFingerprint, Fingerprints(store, format));

        // Naming it is the consent: it goes back in and the mark is cleared.
        var pinned = Merge(store, format, ledger, TrustPolicy.Pinned, RootFingerprint);
        Assert.Equal(KeystoreChangeAction.Added, Assert.Single(pinned.Entries, e => e.Sha256Fingerprint == RootFingerprint).Action);
        Assert.Contains(RootFingerprint, Fingerprints(store, format));
        var cleared = TrustLedger.Read(ledger).Entries.Single(e => e.Sha256Fingerprint == RootFingerprint);
        Assert.Null(cleared.Forgotten);
        Assert.Null(cleared.ForgottenBy);
    }

    private async Task ConfirmWithToolsAsync(string store, KeystoreFormat format, IReadOnlyList<string> linksBefore)
    {
        switch (format)
        {
            case KeystoreFormat.Jks:
                var list = await Tools.RunAsync("keytool", ["-list", "-v", "-keystore", store, "-storepass", Password]);
                Assert.True(list.Code == 0, list.Stderr);
                Assert.Contains("Your keystore contains 1 entry", list.Stdout);
                Assert.DoesNotContain(Root.Subject.Split(',')[0], list.Stdout.Split("Owner: ").Skip(1).Select(o => o.Split('\n')[0]));
                break;
            case KeystoreFormat.PemBundle:
                var openssl = await Tools.RunAsync("openssl", ["storeutl", "-noout", "-text", "-certs", store]);
                Assert.True(openssl.Code == 0, openssl.Stderr);
                Assert.Contains("Total found: 1", openssl.Stdout + openssl.Stderr);
                break;
            case KeystoreFormat.Pkcs12:
                var p12 = await Tools.RunAsync("openssl", ["pkcs12", "-in", store, "-nokeys", "-passin", "pass:" + Password]);
                Assert.True(p12.Code == 0, p12.Stderr);
                Assert.Equal(1, p12.Stdout.Split("BEGIN CERTIFICATE").Length - 1);
                break;
            case KeystoreFormat.Directory:
                var links = Links(store);
                Assert.Equal(linksBefore.Count - 1, links.Count);
                Assert.All(links, l => Assert.True(File.Exists(Path.GetFullPath(new FileInfo(l).LinkTarget!, store)), $"{l} dangles"));
                var rehash = await Tools.RunAsync("openssl", ["verify", "-CApath", store, "-partial_chain", CertificatePath(Intermediate)]);
                Assert.True(rehash.Code == 0, rehash.Stdout + rehash.Stderr);
                break;
        }
    }

    private string CertificatePath(X509Certificate2 certificate)
    {
        var path = NewPath("cert.pem");
        File.WriteAllText(path, CertificateMint.ToPem(certificate));
        return path;
    }

    private static List<string> Links(string folder) =>
        [.. Directory.EnumerateFileSystemEntries(folder).Where(p => new FileInfo(p).LinkTarget is not null)];

    [Theory]
    [InlineData(KeystoreFormat.PemBundle)]
    [InlineData(KeystoreFormat.Jks)]
    public void A_store_without_the_entry_is_not_written_but_the_ledger_entry_is_still_marked(KeystoreFormat format)
    {
        var store = NewStore(format);
        var ledger = NewPath("ledger.json");
        Merge(store, format, ledger, TrustPolicy.Pinned, RootFingerprint);
        Forget(RootFingerprint, ledger, format);
        var other = NewStore(format);
        using (var password = PasswordFor(format))
        {
            KeystoreMerger.Merge(other, format, password, [fixture.Lab.Trusted.Root], new MergeOptions { Policy = TrustPolicy.Pinned, TrustedFingerprints = [CertificateFacts.Sha256Fingerprint(fixture.Lab.Trusted.Root)] }, new SaveOptions());
        }
        var stamp = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(other, stamp);
        var bytes = File.ReadAllBytes(other);
        var ledgerBefore = LedgerBytes(ledger);

        var again = Forget(RootFingerprint, ledger, format, whatIf: false, other);

        var change = Assert.Single(again.Changes);
        Assert.False(change.Changed || change.Written);
        Assert.Empty(change.Entries);
        Assert.False(again.NotFound);
        Assert.False(again.Marked); // already forgotten: the mark keeps its first date, the ledger is not rewritten
        Assert.Equal(bytes, File.ReadAllBytes(other));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(other));
        Assert.Equal(ledgerBefore, LedgerBytes(ledger));
        Assert.False(File.Exists(other + ".bak"));
    }

    private static string LedgerBytes(string ledger) =>
        string.Concat(Directory.EnumerateFiles(Path.Combine(TrustLedger.Folder(ledger), "entries"), "*.json", SearchOption.AllDirectories).Order().Select(File.ReadAllText));

    [Fact]
    public void A_fingerprint_that_matches_nothing_is_not_found_and_writes_nothing()
    {
        var store = NewStore(KeystoreFormat.PemBundle);
        File.WriteAllText(store, CertificateMint.ToPem(fixture.Lab.Trusted.Root));
        var ledger = NewPath("ledger.json");
        var bytes = File.ReadAllBytes(store);

        var result = Forget(new string('A', 64), ledger, KeystoreFormat.PemBundle, whatIf: false, store);

        Assert.True(result.NotFound);
        Assert.False(result.Marked);
        Assert.Equal(bytes, File.ReadAllBytes(store));
        Assert.Empty(TrustLedger.Read(ledger).Entries);
    }

    [Fact]
    public void An_entry_the_ledger_never_knew_is_removed_from_a_named_store_and_marked_so_TOFU_does_not_re_add_it()
    {
        var store = NewStore(KeystoreFormat.PemBundle);
        File.WriteAllText(store, CertificateMint.ToPem(fixture.Lab.Trusted.Root) + CertificateMint.ToPem(Root));
        var ledger = NewPath("ledger.json");

        var result = Forget(RootFingerprint.ToLowerInvariant(), ledger, KeystoreFormat.PemBundle, whatIf: false, store);

        Assert.True(result.Marked);
        Assert.Equal(1, Assert.Single(result.Changes).Removed);
        var mark = Assert.Single(TrustLedger.Read(ledger).Entries);
        Assert.Equal(RootFingerprint, mark.Sha256Fingerprint);
        Assert.True(mark.IsAnchor);
        Assert.Empty(mark.Stores);
        Assert.Equal(Root.Thumbprint, CertificateInput.FromPem(mark.Pem).Thumbprint);
        var audit = Directory.EnumerateFiles(Path.Combine(TrustLedger.Folder(ledger), "audit"), "*.json", SearchOption.AllDirectories).Single();
        Assert.Contains("ForgetRequest", File.ReadAllText(audit));

        var tofu = Merge(store, KeystoreFormat.PemBundle, ledger, TrustPolicy.TrustOnFirstUse);
        Assert.Contains("forgotten on", Assert.Single(tofu.Entries, e => e.Sha256Fingerprint == RootFingerprint).Reason);
        Assert.DoesNotContain(RootFingerprint, Fingerprints(store, KeystoreFormat.PemBundle));
        // Sync of the ledger that only holds the mark re-applies nothing.
        var synced = LedgerSync.Sync(store, null, null, TrustLedger.Read(ledger), new SyncOptions { System = fixture.Trust });
        Assert.False(synced.Written);
    }

    [Fact]
    public void The_Windows_store_seam_loses_the_root_through_its_journaled_write_and_sync_leaves_it_out()
    {
        const string Store = @"Cert:\CurrentUser\Root";
        var seam = Directory.CreateDirectory(NewPath("winstore")).FullName;
        CertificateStoreSeam.TestRoot.Value = seam;
        try
        {
            var ledger = NewPath("ledger.json");
            var healed = KeystoreMerger.Merge(Store, null, null, [Root, Intermediate],
                new MergeOptions { Policy = TrustPolicy.Pinned, TrustedFingerprints = [RootFingerprint], System = fixture.Trust, Recorder = new LedgerRecorder(ledger) }, new SaveOptions());
            Assert.Equal(2, healed.Added);

            var result = LedgerForget.Forget(RootFingerprint, null, new ForgetOptions { LedgerPath = ledger });

            var change = Assert.Single(result.Changes);
            Assert.Equal(Store, change.Path);
            Assert.True(change.Written);
            Assert.Equal(1, change.Removed);
            var left = KeystoreFile.Open(Store).TrustedEntries.Select(e => CertificateFacts.Sha256Fingerprint(e.Certificate!)).ToList();
            Assert.Equal([CertificateFacts.Sha256Fingerprint(Intermediate)], left);
            var synced = LedgerSync.Sync(Store, null, null, TrustLedger.Read(ledger), new SyncOptions { System = fixture.Trust });
            Assert.False(synced.Written);
            Assert.StartsWith("forgotten on", Assert.Single(synced.Entries, e => e.Sha256Fingerprint == RootFingerprint).Reason);
        }
        finally
        {
            CertificateStoreSeam.TestRoot.Value = null;
        }
    }

    [Fact]
    public async Task A_heal_of_the_same_server_does_not_re_add_a_forgotten_intermediate()
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out _);
        var spec = new CertHeal.Healing.RequestSpec { Uri = new Uri($"https://127.0.0.1:{server.Port}/") };
        var keystore = NewPath("healed.pem");
        var ledger = NewPath("ledger.json");
        CertHeal.Healing.HealingOptions Options() => new() { KeystorePath = keystore, System = fixture.Trust, Recorder = new LedgerRecorder(ledger) };
        var healed = await CertHeal.Healing.HealedRequest.SendAsync(spec, Options(), default);
        Assert.True(healed.Healed);
        var intermediate = CertificateFacts.Sha256Fingerprint(fixture.Lab.Trusted.Intermediate);

        var forgotten = LedgerForget.Forget(intermediate, null, new ForgetOptions { LedgerPath = ledger });
        Assert.Equal(1, Assert.Single(forgotten.Changes).Removed);
        var refused = await Assert.ThrowsAsync<CertHeal.Healing.HealingException>(() => CertHeal.Healing.HealedRequest.SendAsync(spec, Options(), default));

        Assert.Contains("forgotten on", refused.Message);
        Assert.DoesNotContain(intermediate, Fingerprints(keystore, KeystoreFormat.PemBundle));
    }

    [Fact]
    public void A_ledger_prune_of_the_stores_keeps_the_forget_mark()
    {
        var store = NewStore(KeystoreFormat.PemBundle);
        var ledger = NewPath("ledger.json");
        Merge(store, KeystoreFormat.PemBundle, ledger, TrustPolicy.Pinned, RootFingerprint);
        Forget(RootFingerprint, ledger, KeystoreFormat.PemBundle);
        File.Delete(store);

        var pruned = LedgerPrune.Prune(ledger, whatIf: false);

        Assert.Equal([Path.GetFullPath(store)], pruned.StoresRemoved);
        Assert.Equal(1, pruned.EntriesRemoved); // the intermediate, not forgotten, goes with its store
        Assert.NotNull(Assert.Single(TrustLedger.Read(ledger).Entries).Forgotten);
    }

    [Fact]
    public void Forgetting_the_last_certificate_of_a_PEM_bundle_leaves_a_bundle_that_still_reads_and_merges()
    {
        var store = NewStore(KeystoreFormat.PemBundle);
        File.WriteAllText(store, "\n" + CertificateMint.ToPem(Root) + "\n");
        var ledger = NewPath("ledger.json");

        var result = Forget(RootFingerprint, ledger, KeystoreFormat.PemBundle, whatIf: false, store);

        Assert.True(Assert.Single(result.Changes).Written);
        Assert.Empty(KeystoreFile.Open(store).Entries);
        var merged = KeystoreMerger.Merge(store, null, null, [fixture.Lab.Trusted.Root],
            new MergeOptions { Policy = TrustPolicy.Pinned, TrustedFingerprints = [CertificateFacts.Sha256Fingerprint(fixture.Lab.Trusted.Root)] }, new SaveOptions());
        Assert.Equal(1, merged.Added);
    }

    [Fact]
    public async Task A_private_key_entry_with_that_certificate_is_refused_and_left_in_place()
    {
        var path = NewPath("kt.p12");
        var made = await Tools.RunAsync("keytool", ["-genkeypair", "-alias", "mykey", "-keyalg", "EC", "-dname", "CN=forget-me-not", "-validity", "30",
            "-storetype", "PKCS12", "-keystore", path, "-storepass", Password, "-keypass", Password]);
        Assert.True(made.Code == 0, made.Stderr);
        using var password = KeystorePassword.FromString(Password);
        var key = KeystoreFile.Open(path, null, password).Entries.Single(e => e.EntryType == KeystoreEntryType.PrivateKey);
        var bytes = File.ReadAllBytes(path);
        var ledger = NewPath("ledger.json");

        var result = LedgerForget.Forget(CertificateFacts.Sha256Fingerprint(key.Certificate!), [path], new ForgetOptions { LedgerPath = ledger, Password = password });

        var row = Assert.Single(Assert.Single(result.Changes).Entries);
        Assert.Equal(KeystoreChangeAction.Skipped, row.Action);
        Assert.True(row.Refused);
        Assert.Contains("private key", row.Reason);
        Assert.False(result.Changes[0].Written);
        Assert.False(result.NotFound || result.Marked);
        Assert.Empty(TrustLedger.Read(ledger).Entries);
        Assert.Equal(bytes, File.ReadAllBytes(path));

        // The CLI: exit 1, the store kept it; the reason is printed, the password is not.
        var cli = await CliProcess.RunAsync(["forget", "--fingerprint", CertificateFacts.Sha256Fingerprint(key.Certificate!), "--keystore", path, "--ledger", ledger, "--password", Password]);
        Assert.True(cli.Code == 1, cli.Stdout + cli.Stderr);
        Assert.Contains("holds a private key with this certificate", cli.Stdout);
        Assert.DoesNotContain(Password, cli.Stdout + cli.Stderr);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Cli_forget_what_if_then_forget_then_sync_json_and_exit_codes()
    {
        var store = NewStore(KeystoreFormat.PemBundle);
        var ledger = NewPath("ledger.json");
        Merge(store, KeystoreFormat.PemBundle, ledger, TrustPolicy.Pinned, RootFingerprint);
        var bytes = File.ReadAllBytes(store);

        var check = await CliProcess.RunAsync(["forget", "--fingerprint", RootFingerprint, "--ledger", ledger, "--what-if", "--json"]);
        var afterCheck = File.ReadAllBytes(store);
        var done = await CliProcess.RunAsync(["forget", "--fingerprint", RootFingerprint, "--ledger", ledger, "--keystore", store]);
        var sync = await CliProcess.RunAsync(["sync", store, "--ledger", ledger, "--json"]);
        var missing = await CliProcess.RunAsync(["forget", "--fingerprint", new string('B', 64), "--ledger", ledger, "--keystore", store]);
        var bad = await CliProcess.RunAsync(["forget", "--fingerprint", "nothex", "--ledger", ledger]);
        var help = await CliProcess.RunAsync(["forget", "--help"]);

        Assert.True(check.Code == 0, check.Stderr);
        var plan = JsonDocument.Parse(check.Stdout).RootElement;
        Assert.True(plan.GetProperty("Changed").GetBoolean());
        Assert.True(plan.GetProperty("Marked").GetBoolean());
        var planned = Assert.Single(plan.GetProperty("Changes").EnumerateArray());
        Assert.Equal(1, planned.GetProperty("Removed").GetInt32());
        Assert.False(planned.GetProperty("Written").GetBoolean());
        Assert.Equal(bytes, afterCheck);

        Assert.True(done.Code == 0, done.Stderr);
        Assert.Contains($"SHA-256 {RootFingerprint} is forgotten", done.Stdout);
        Assert.All(done.Stdout.Split('\n'), l => Assert.True(l.Length <= 80 || l.StartsWith("SHA-256", StringComparison.Ordinal), l));
        Assert.DoesNotContain(RootFingerprint, Fingerprints(store, KeystoreFormat.PemBundle));

        Assert.True(sync.Code == 0, sync.Stderr);
        var synced = JsonDocument.Parse(sync.Stdout).RootElement;
        Assert.False(synced.GetProperty("Changed").GetBoolean());
        var row = synced.GetProperty("Changes")[0].GetProperty("Entries").EnumerateArray().Single(e => e.GetProperty("Sha256Fingerprint").GetString() == RootFingerprint);
        Assert.StartsWith("forgotten on", row.GetProperty("Reason").GetString());
        Assert.Contains(RootFingerprint, row.GetProperty("Reason").GetString());

        Assert.Equal(2, missing.Code);
        Assert.StartsWith($"certheal: no certificate with SHA-256 {new string('B', 64)} is in the trust ledger", missing.Stderr);
        Assert.Single(missing.Stderr.Trim().Split('\n'));
        Assert.Equal(2, bad.Code);
        Assert.Contains("is not a SHA-256 fingerprint", bad.Stderr);
        Assert.Equal(0, help.Code);
        Assert.Equal(3, help.Stdout.Split('\n').Count(l => l.TrimStart().StartsWith("certheal forget --fingerprint 3F1A", StringComparison.Ordinal)));
    }
}
