using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>Find-Keystore, Sync-Keystore and Confirm-Keystore -Ledger in real runspaces over the shipped module.</summary>
public sealed class FindSyncKeystoreTests(PsLab lab) : IClassFixture<PsLab>
{
    private static System.Security.SecureString Changeit => new NetworkCredential("", "changeit").SecurePassword;

    /// <summary>Debian's real Java cacerts plus the lab root: a JDK store "as shipped".</summary>
    private string Shipped(string folder)
    {
        var path = Path.Combine(folder, "shipped-cacerts");
        File.Copy("/etc/ssl/certs/java/cacerts", path);
        using var ps = PsSession.NoUi();
        var seed = ps.Run("param($Store, $Root, $Pin, $Pw, $Ledger) Merge-Keystore -Path $Store -Certificate $Root -TrustPolicy Pinned -TrustedFingerprint $Pin -Password $Pw -LedgerPath $Ledger -Force",
            new() { ["Store"] = path, ["Root"] = lab.Lab.Trusted.Root, ["Pin"] = PsLab.Sha256(lab.Lab.Trusted.Root), ["Pw"] = Changeit, ["Ledger"] = Path.Combine(folder, "seed-ledger.json") });
        seed.AssertNoErrors();
        return path;
    }

    [Fact]
    public void Find_Keystore_scans_a_path_emits_KeystoreLocation_and_skips_what_is_missing_with_a_verbose_line()
    {
        var folder = lab.NewFolder();
        var app = Path.Combine(folder, "app", "conf");
        Directory.CreateDirectory(app);
        File.Copy("/etc/ssl/certs/java/cacerts", Path.Combine(app, "truststore"));
        File.WriteAllText(Path.Combine(folder, "app", "readme.txt"), "not a keystore");
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Folder, $Missing) Find-Keystore -Path $Folder, $Missing -Verbose", new() { ["Folder"] = folder, ["Missing"] = Path.Combine(folder, "nope") });

        result.AssertNoErrors();
        var found = result.Single();
        Assert.Equal("CertHeal.KeystoreLocation", found.TypeName());
        Assert.Equal(Path.Combine(app, "truststore"), found.Value<string>("Path"));
        Assert.Equal("Application", found.Value("Kind")!.ToString());
        Assert.Equal("Jks", found.Value<string>("Format"));
        Assert.Equal("changeit", found.Value<string>("PasswordHint"));
        Assert.True(found.Value<bool>("Writable"));
        Assert.Contains(result.VerboseText, v => v.Contains("nope") && v.Contains("does not exist"));
    }

    [Fact]
    public void Find_Keystore_binds_Id_by_property_name_and_reports_a_process_s_NODE_EXTRA_CA_CERTS()
    {
        var folder = lab.NewFolder();
        var extra = Path.Combine(folder, "extra.pem");
        File.WriteAllText(extra, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        var info = new ProcessStartInfo("sleep") { UseShellExecute = false };
        info.ArgumentList.Add("300");
        info.Environment["NODE_EXTRA_CA_CERTS"] = extra;
        using var sleep = Process.Start(info)!;
        try
        {
            using var ps = PsSession.NoUi();
            var result = ps.Run("param($Id) [pscustomobject]@{ Id = $Id } | Find-Keystore | Where-Object Kind -eq 'NodeExtraCaCerts'", new() { ["Id"] = sleep.Id });

            result.AssertNoErrors();
            var found = result.Single();
            Assert.Equal(extra, found.Value<string>("Path"));
            Assert.Contains($"environment variable NODE_EXTRA_CA_CERTS of process {sleep.Id}", found.Items("FoundBy").Select(f => f.ToString()));
            Assert.Equal(1, found.Value<int>("EntryCount"));
        }
        finally
        {
            sleep.Kill();
            sleep.WaitForExit(10_000);
        }
    }

    [Fact]
    public async Task Heal_upgrade_then_Find_Keystore_piped_into_Confirm_Keystore_Ledger_and_Sync_Keystore_restores_trust_and_writes_nothing_twice()
    {
        await using var server = lab.Lab.StartLeafOnlyWithAia(out _);
        var folder = lab.NewFolder();
        var shipped = Shipped(folder);
        var store = Path.Combine(folder, "jdk", "cacerts");
        Directory.CreateDirectory(Path.GetDirectoryName(store)!);
        File.Copy(shipped, store);
        var ledger = Path.Combine(folder, "ledger.json");
        using var ps = PsSession.NoUi();
        var p = new Dictionary<string, object?> { ["Target"] = server.Target, ["Roots"] = lab.TrustedRootPem, ["Store"] = store, ["Pw"] = Changeit, ["Ledger"] = ledger, ["Folder"] = Path.GetDirectoryName(store) };
        const string Probe = "param($Target, $Store) (Test-TlsHandshake $Target -Keystore $Store -TimeoutSec 10).Succeeded";

        var heal = ps.Run("param($Target, $Roots, $Store, $Pw, $Ledger) Get-ServerCertificateChain $Target -Keystore $Roots | Merge-Keystore -Path $Store -Password $Pw -LedgerPath $Ledger", p);
        var trustedAfterHeal = ps.Run(Probe, p).Single().BaseObject;
        File.Copy(shipped, store, overwrite: true); // the upgrade
        var trustedAfterUpgrade = ps.Run(Probe, p).Single().BaseObject;
        var drift = ps.Run("param($Folder, $Ledger) Find-Keystore -Path $Folder | Confirm-Keystore -LedgerPath $Ledger", p);
        var plan = ps.Run("param($Folder, $Ledger) Find-Keystore -Path $Folder | Sync-Keystore -LedgerPath $Ledger -WhatIf", p);
        var planBytes = File.ReadAllBytes(store);
        var sync = ps.Run("param($Folder, $Ledger) Find-Keystore -Path $Folder | Sync-Keystore -LedgerPath $Ledger -Verbose", p);
        var trustedAfterSync = ps.Run(Probe, p).Single().BaseObject;
        var bytes = File.ReadAllBytes(store);
        var stamp = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(store, stamp);
        var again = ps.Run("param($Store, $Ledger) Sync-Keystore $Store -LedgerPath $Ledger", p);

        heal.AssertNoErrors();
        Assert.Equal(1, heal.Single().Value<int>("Added"));
        Assert.Equal(true, trustedAfterHeal);
        Assert.Equal(false, trustedAfterUpgrade);
        drift.AssertNoErrors();
        var finding = Assert.Single(drift.Single().Items("Findings"), f => f.Value<string>("Code") == "LedgerDrift");
        Assert.Contains(server.Target, finding.Value<string>("Message"));
        plan.AssertNoErrors();
        Assert.True(plan.Single().Value<bool>("WhatIf"));
        Assert.False(plan.Single().Value<bool>("Written"));
        Assert.Equal(File.ReadAllBytes(shipped), planBytes);
        sync.AssertNoErrors();
        Assert.Equal("CertHeal.KeystoreChange", sync.Single().TypeName());
        Assert.True(sync.Single().Value<bool>("Written"));
        Assert.Equal(1, sync.Single().Value<int>("Added"));
        Assert.Contains(sync.VerboseText, v => v.StartsWith("Added", StringComparison.Ordinal));
        Assert.Equal(true, trustedAfterSync);
        again.AssertNoErrors();
        Assert.False(again.Single().Value<bool>("Written"));
        Assert.Equal(bytes, File.ReadAllBytes(store));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(store));
    }

    [Fact]
    public void Sync_Keystore_a_corrupt_store_in_the_pipeline_is_a_non_terminating_error_and_the_next_store_still_syncs()
    {
        var folder = lab.NewFolder();
        var ledger = Path.Combine(folder, "ledger.json");
        var good = Path.Combine(folder, "good.pem");
        File.WriteAllText(good, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        var corrupt = Path.Combine(folder, "corrupt.jks");
        File.WriteAllBytes(corrupt, [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 9, 1, 2, 3]);
        using var ps = PsSession.NoUi();
        var merge = ps.Run("param($Store, $Cert, $Ledger) Merge-Keystore -Path $Store -Certificate $Cert -LedgerPath $Ledger -SkipValidation",
            new() { ["Store"] = good, ["Cert"] = lab.Lab.Trusted.Intermediate, ["Ledger"] = ledger });
        merge.AssertNoErrors();
        File.WriteAllText(good, CertificateMint.ToPem(lab.Lab.Trusted.Root));

        var result = ps.Run("param($Corrupt, $Good, $Ledger) [pscustomobject]@{ Path = $Corrupt }, [pscustomobject]@{ Path = $Good } | Sync-Keystore -LedgerPath $Ledger",
            new() { ["Corrupt"] = corrupt, ["Good"] = good, ["Ledger"] = ledger });

        Assert.Null(result.Terminating);
        var error = result.Error("CertHeal.KeystoreUnreadable");
        Assert.Equal(corrupt, error.TargetObject);
        Assert.Equal(1, result.Single().Value<int>("Added"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(good), "BEGIN CERTIFICATE").Count);
    }

    [Fact]
    public void Sync_Keystore_PruneLedger_forgets_a_store_that_is_gone_only_when_asked_and_Confirm_Keystore_Ledger_reports_it()
    {
        var folder = lab.NewFolder();
        var ledger = Path.Combine(folder, "ledger.json");
        var gone = Path.Combine(folder, "gone.pem");
        var kept = Path.Combine(folder, "kept.pem");
        File.WriteAllText(gone, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        File.WriteAllText(kept, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        using var ps = PsSession.NoUi();
        var p = new Dictionary<string, object?> { ["Gone"] = gone, ["Kept"] = kept, ["Cert"] = lab.Lab.Trusted.Intermediate, ["Ledger"] = ledger };
        ps.Run("param($Gone, $Kept, $Cert, $Ledger) $Gone, $Kept | ForEach-Object { Merge-Keystore -Path $_ -Certificate $Cert -LedgerPath $Ledger -SkipValidation }", p).AssertNoErrors();
        File.Delete(gone);

        var health = ps.Run("param($Kept, $Ledger) Confirm-Keystore $Kept -LedgerPath $Ledger", p);
        var plan = ps.Run("param($Ledger) Sync-Keystore -PruneLedger -LedgerPath $Ledger -WhatIf", p);
        var stillThere = ps.Run("param($Ledger) Sync-Keystore -PruneLedger -LedgerPath $Ledger -WhatIf", p);
        var pruned = ps.Run("param($Ledger) Sync-Keystore -PruneLedger -LedgerPath $Ledger", p);
        var again = ps.Run("param($Ledger) Sync-Keystore -PruneLedger -LedgerPath $Ledger", p);
        var wrongSet = ps.Run("param($Ledger) Sync-Keystore -PruneLedger -Format Jks -LedgerPath $Ledger", p);

        health.AssertNoErrors();
        var missing = Assert.Single(health.Single().Items("Findings"), f => f.Value<string>("Code") == "LedgerStoreMissing");
        Assert.Contains(gone, missing.Value<string>("Message"));
        Assert.EndsWith("Sync-Keystore -PruneLedger forgets them.", missing.Value<string>("Message"));
        plan.AssertNoErrors();
        Assert.Equal("CertHeal.Trust.LedgerPruneResult", plan.Single().TypeName());
        Assert.True(plan.Single().Value<bool>("WhatIf"));
        Assert.Equal([gone], plan.Single().Items("StoresRemoved").Select(o => o.BaseObject.ToString()));
        Assert.Equal([gone], stillThere.Single().Items("StoresRemoved").Select(o => o.BaseObject.ToString()));
        pruned.AssertNoErrors();
        Assert.False(pruned.Single().Value<bool>("WhatIf"));
        Assert.Equal([gone], pruned.Single().Items("StoresRemoved").Select(o => o.BaseObject.ToString()));
        Assert.Equal(1, pruned.Single().Value<int>("StoresKept"));
        Assert.Empty(again.Single().Items("StoresRemoved"));
        Assert.Equal("AmbiguousParameterSet", PsResult.ErrorId(Assert.Single(wrongSet.AllErrors)));
    }

    [Fact]
    public void Merge_Keystore_whose_ledger_cannot_be_written_warns_and_reports_the_merge_that_happened()
    {
        var folder = lab.NewFolder();
        var store = Path.Combine(folder, "store.pem");
        File.WriteAllText(store, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        var blocker = Path.Combine(folder, "not-a-folder");
        File.WriteAllText(blocker, "a file where the ledger's folder would be");
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Store, $Cert, $Ledger) Merge-Keystore -Path $Store -Certificate $Cert -LedgerPath $Ledger -SkipValidation",
            new() { ["Store"] = store, ["Cert"] = lab.Lab.Trusted.Intermediate, ["Ledger"] = Path.Combine(blocker, "ledger.json") });

        result.AssertNoErrors();
        Assert.True(result.Single().Value<bool>("Written"));
        Assert.Equal(1, result.Single().Value<int>("Added"));
        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith($"The keystore '{store}' was merged, but the trust ledger", warning.Message);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(store), "BEGIN CERTIFICATE").Count);
    }

    [Fact]
    public void Find_Keystore_piped_into_Merge_Keystore_merges_into_every_store_and_records_each_in_the_ledger()
    {
        var folder = lab.NewFolder();
        var stores = new[] { Path.Combine(folder, "a", "bundle.pem"), Path.Combine(folder, "b", "bundle.pem") };
        foreach (var store in stores)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(store)!);
            File.WriteAllText(store, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        }
        var ledger = Path.Combine(lab.NewFolder(), "ledger.json");
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Folder, $Cert, $Ledger) Find-Keystore -Path $Folder | Merge-Keystore -Certificate $Cert -LedgerPath $Ledger -SkipValidation",
            new() { ["Folder"] = folder, ["Cert"] = lab.Lab.Trusted.Intermediate, ["Ledger"] = ledger });

        result.AssertNoErrors();
        Assert.Equal(stores, result.Output.Select(o => o.Value<string>("Path")).Order(StringComparer.Ordinal));
        Assert.All(result.Output, o => Assert.Equal(1, o.Value<int>("Added")));
        // The ledger is a folder of records named after the configured path without ".json".
        var json = string.Concat(Directory.EnumerateFiles(ledger[..^".json".Length], "*.json", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.All(stores, s => Assert.Contains(JsonEncodedText.Encode(s).ToString(), json));
    }

    [Fact]
    public void A_piped_store_that_cannot_be_read_is_its_own_error_and_the_other_stores_still_merge()
    {
        var folder = lab.NewFolder();
        var good = Path.Combine(folder, "good.pem");
        var corrupt = Path.Combine(folder, "corrupt.p12");
        File.WriteAllText(good, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        var garbage = new byte[] { 0x30, 0x82, 0x7F, 0xFF, 0x02, 0x01, 0x03, 0x30, 0x00, 0xDE, 0xAD, 0xBE, 0xEF };
        File.WriteAllBytes(corrupt, garbage);
        using var ps = PsSession.NoUi();

        var result = ps.Run("""
            param($Stores, $Cert, $Ledger)
            $Stores | ForEach-Object { [pscustomobject]@{ Path = $_ } } | Merge-Keystore -Certificate $Cert -LedgerPath $Ledger -SkipValidation
            """, new() { ["Stores"] = new[] { corrupt, good }, ["Cert"] = lab.Lab.Trusted.Intermediate, ["Ledger"] = Path.Combine(lab.NewFolder(), "ledger.json") });

        Assert.Null(result.Terminating);
        var error = Assert.Single(result.AllErrors);
        Assert.Contains(PsResult.ErrorId(error), new[] { "CertHeal.KeystoreUnreadable", "CertHeal.KeystorePassword" });
        Assert.Equal(corrupt, error.TargetObject);
        Assert.Equal(garbage, File.ReadAllBytes(corrupt));
        Assert.Equal(good, result.Single().Value<string>("Path"));
        Assert.Equal(1, result.Single().Value<int>("Added"));
    }

    [Fact]
    public void Help_has_three_examples_for_Find_Keystore_and_Sync_Keystore()
    {
        using var ps = PsSession.NoUi();
        foreach (var name in new[] { "Find-Keystore", "Sync-Keystore" })
        {
            var result = ps.Run("param($Name) @((Get-Help $Name -Full).examples.example).Count", new() { ["Name"] = name });
            result.AssertNoErrors();
            Assert.True((int)result.Single().BaseObject >= 3, name);
        }
    }
}
