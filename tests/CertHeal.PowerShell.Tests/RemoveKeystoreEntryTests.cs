using System.Management.Automation;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Remove-KeystoreEntry in real runspaces over the shipped module: heal a lab root with
/// Merge-Keystore, forget it (pipeline-bound by Sha256Fingerprint), and Sync-Keystore and a
/// TrustOnFirstUse Merge-Keystore leave it out until -TrustedFingerprint names it.
/// </summary>
public sealed class RemoveKeystoreEntryTests(PsLab lab) : IClassFixture<PsLab>
{
    private string Root => PsLab.Sha256(lab.Lab.Untrusted.Root);

    private (string Store, string Ledger) Healed()
    {
        var folder = lab.NewFolder();
        var store = Path.Combine(folder, "store.pem");
        var ledger = Path.Combine(folder, "ledger.json");
        using var ps = PsSession.NoUi();
        var healed = ps.Run("param($S, $C, $F, $L) Merge-Keystore -Path $S -Certificate $C -TrustPolicy Pinned -TrustedFingerprint $F -LedgerPath $L -Force",
            new() { ["S"] = store, ["C"] = new[] { lab.Lab.Untrusted.Root, lab.Lab.Untrusted.Intermediate }, ["F"] = Root, ["L"] = ledger });
        healed.AssertNoErrors();
        Assert.Equal(2, healed.Single().Value<int>("Added"));
        return (store, ledger);
    }

    private static byte[] Bytes(string path) => File.ReadAllBytes(path);

    [Fact]
    public void Forget_by_pipeline_then_Sync_and_TOFU_leave_it_out_and_a_named_pin_puts_it_back()
    {
        var (store, ledger) = Healed();
        var before = Bytes(store);
        using var ps = PsSession.NoUi();

        var check = ps.Run("param($F, $L) [pscustomobject]@{ Sha256Fingerprint = $F } | Remove-KeystoreEntry -LedgerPath $L -WhatIf", new() { ["F"] = Root, ["L"] = ledger });
        var afterCheck = Bytes(store);
        var forgotten = ps.Run("param($F, $L) [pscustomobject]@{ Sha256Fingerprint = $F } | Remove-KeystoreEntry -LedgerPath $L -Verbose", new() { ["F"] = Root, ["L"] = ledger });
        var synced = ps.Run("param($S, $L) Sync-Keystore -Path $S -LedgerPath $L", new() { ["S"] = store, ["L"] = ledger });
        var tofu = ps.Run("param($S, $C, $L) Merge-Keystore -Path $S -Certificate $C -TrustPolicy TrustOnFirstUse -LedgerPath $L -Force -Verbose",
            new() { ["S"] = store, ["C"] = lab.Lab.Untrusted.Root, ["L"] = ledger });
        var afterTofu = Bytes(store);
        var pinned = ps.Run("param($S, $C, $F, $L) Merge-Keystore -Path $S -Certificate $C -TrustPolicy Pinned -TrustedFingerprint $F -LedgerPath $L -Force",
            new() { ["S"] = store, ["C"] = lab.Lab.Untrusted.Root, ["F"] = Root, ["L"] = ledger });

        check.AssertNoErrors();
        var plan = check.Single();
        Assert.Equal("CertHeal.KeystoreChange", plan.TypeName());
        Assert.True(plan.Value<bool>("Changed"));
        Assert.False(plan.Value<bool>("Written"));
        Assert.Equal(before, afterCheck);

        forgotten.AssertNoErrors();
        var change = forgotten.Single();
        Assert.True(change.Value<bool>("Written"));
        Assert.Equal(1, change.Value<int>("Removed"));
        var row = Assert.Single(change.Items("Entries"));
        Assert.Equal("Removed", row.Value("Action")!.ToString());
        Assert.Equal("ForgetRequest", row.Value("ApprovedBy")!.ToString());
        Assert.Contains(forgotten.VerboseText, v => v.Contains($"SHA-256 {Root} is forgotten"));

        synced.AssertNoErrors();
        Assert.False(synced.Single().Value<bool>("Changed"));
        Assert.StartsWith("forgotten on", synced.Single().Items("Entries").Single(e => e.Value<string>("Sha256Fingerprint") == Root).Value<string>("Reason"));

        tofu.AssertNoErrors();
        var refused = tofu.Single().Items("Entries").Single();
        Assert.True(refused.Value<bool>("Refused"));
        Assert.Contains($"use -TrustPolicy Pinned -TrustedFingerprint '{Root}'", refused.Value<string>("Reason"));
        Assert.Equal(0, tofu.Single().Value<int>("Added"));
        Assert.DoesNotContain(lab.Lab.Untrusted.Root.ExportCertificatePem().Split('\n')[1], File.ReadAllText(store) == "" ? "" : System.Text.Encoding.ASCII.GetString(afterTofu));

        pinned.AssertNoErrors();
        Assert.Equal(1, pinned.Single().Value<int>("Added"));
        Assert.Contains(lab.Lab.Untrusted.Root.ExportCertificatePem().Split('\n')[1], File.ReadAllText(store).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_fingerprint_that_matches_nothing_is_a_non_terminating_error_naming_it_and_the_next_one_still_runs()
    {
        var (store, ledger) = Healed();
        var unknown = new string('D', 64);
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($F, $S, $L) Remove-KeystoreEntry -Fingerprint $F -Keystore $S -LedgerPath $L", new() { ["F"] = new[] { unknown, Root }, ["S"] = store, ["L"] = ledger });

        Assert.Null(result.Terminating);
        var error = result.Error("CertHeal.FingerprintNotFound");
        Assert.Equal(unknown, error.TargetObject);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.StartsWith($"No certificate with SHA-256 {unknown} is in the trust ledger", error.Exception.Message);
        Assert.DoesNotContain("   at ", error.Exception.Message);
        Assert.Equal(2, result.Output.Count);
        Assert.False(result.Output[0].Value<bool>("Changed"));
        Assert.Equal(1, result.Output[1].Value<int>("Removed"));
    }

    [Fact]
    public void Answered_No_at_Confirm_writes_neither_the_store_nor_the_ledger()
    {
        var (store, ledger) = Healed();
        var before = Bytes(store);
        using var ps = PsSession.WithHost(PromptAnswer.No, PromptAnswer.No);

        var declined = ps.Run("param($F, $L) Remove-KeystoreEntry -Fingerprint $F -LedgerPath $L -Confirm", new() { ["F"] = Root, ["L"] = ledger });

        declined.AssertNoErrors();
        Assert.Equal(2, ps.Host!.Prompts.Count);
        Assert.Contains($"on target \"{store}\"", ps.Host.Prompts[0].Message);
        Assert.False(declined.Single().Value<bool>("Changed"));
        Assert.Equal(before, Bytes(store));
        var entries = Directory.EnumerateFiles(Path.Combine(Path.ChangeExtension(ledger, null), "entries"), "*.json", SearchOption.AllDirectories).Select(File.ReadAllText);
        Assert.DoesNotContain(entries, e => e.Contains("Forgotten"));
    }
}
