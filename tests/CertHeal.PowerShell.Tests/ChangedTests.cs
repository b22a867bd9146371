using System.Management.Automation;
using System.Security.Cryptography;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Changed, as a DSC-like script or Ansible's changed_when relies on it, in real runspaces over the
/// shipped module: the first run says true, a second says false and leaves the store's SHA-256 and
/// mtime alone, and -WhatIf says true without writing and lists exactly what the real run then does.
/// </summary>
public sealed class ChangedTests(PsLab lab) : IClassFixture<PsLab>
{
    [Fact]
    public void Merge_Keystore_Changed_is_true_once_false_on_a_rerun_and_WhatIf_predicts_the_entries()
    {
        var folder = lab.NewFolder();
        var store = Path.Combine(folder, "store.pem");
        File.WriteAllText(store, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        using var ps = PsSession.NoUi();
        var p = new Dictionary<string, object?> { ["Store"] = store, ["Cert"] = lab.Lab.Trusted.Intermediate, ["Ledger"] = Path.Combine(folder, "ledger.json") };
        const string Merge = "param($Store, $Cert, $Ledger) Merge-Keystore -Path $Store -Certificate $Cert -LedgerPath $Ledger";
        var before = Snapshot(store);

        var check = ps.Run(Merge + " -WhatIf", p);
        var afterCheck = Snapshot(store);
        var first = ps.Run(Merge, p);
        var written = Snapshot(store);
        var second = ps.Run(Merge, p);
        var secondCheck = ps.Run(Merge + " -WhatIf", p);

        check.AssertNoErrors();
        Assert.Equal(before, afterCheck);
        Assert.True(check.Single().Value<bool>("Changed"));
        Assert.True(check.Single().Value<bool>("WhatIf"));
        Assert.False(check.Single().Value<bool>("Written"));
        first.AssertNoErrors();
        Assert.True(first.Single().Value<bool>("Changed"));
        Assert.True(first.Single().Value<bool>("Written"));
        Assert.NotEqual(before, written);
        Assert.Equal(Entries(first.Single()), Entries(check.Single()));
        Assert.Contains($"Added {lab.Lab.Trusted.Intermediate.Thumbprint}", Entries(first.Single()));
        Assert.False(second.Single().Value<bool>("Changed"));
        Assert.False(secondCheck.Single().Value<bool>("Changed"));
        Assert.Equal(written, Snapshot(store));
    }

    [Fact]
    public void Merge_Keystore_answered_No_at_Confirm_reports_no_change_and_asks_with_PowerShell_s_own_prompt()
    {
        var folder = lab.NewFolder();
        var store = Path.Combine(folder, "store.pem");
        File.WriteAllText(store, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        var before = Snapshot(store);
        using var ps = PsSession.WithHost(PromptAnswer.No);

        var declined = ps.Run("param($Store, $Cert, $Ledger) Merge-Keystore -Path $Store -Certificate $Cert -LedgerPath $Ledger -Confirm",
            new() { ["Store"] = store, ["Cert"] = lab.Lab.Trusted.Intermediate, ["Ledger"] = Path.Combine(folder, "ledger.json") });

        declined.AssertNoErrors();
        var prompt = Assert.Single(ps.Host!.Prompts);
        Assert.Equal("Confirm", prompt.Caption);
        Assert.StartsWith("Are you sure you want to perform this action?", prompt.Message);
        Assert.Contains($"on target \"{store}\"", prompt.Message);
        Assert.False(declined.Single().Value<bool>("Changed"));
        Assert.False(declined.Single().Value<bool>("WhatIf"));
        Assert.Equal(1, declined.Single().Value<int>("Added"));
        Assert.Equal(before, Snapshot(store));
    }

    [Fact]
    public void Sync_Keystore_Changed_is_true_once_false_on_a_rerun_and_WhatIf_predicts_the_entries()
    {
        var folder = lab.NewFolder();
        var ledger = Path.Combine(folder, "ledger.json");
        var source = Path.Combine(folder, "source.pem");
        var replaced = Path.Combine(folder, "replaced.pem");
        File.WriteAllText(source, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        File.WriteAllText(replaced, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        using var ps = PsSession.NoUi();
        var p = new Dictionary<string, object?> { ["Source"] = source, ["Store"] = replaced, ["Cert"] = lab.Lab.Trusted.Intermediate, ["Ledger"] = ledger };
        ps.Run("param($Source, $Cert, $Ledger) Merge-Keystore -Path $Source -Certificate $Cert -LedgerPath $Ledger", p).AssertNoErrors();
        const string Sync = "param($Store, $Ledger) Sync-Keystore $Store -LedgerPath $Ledger";
        var before = Snapshot(replaced);

        var check = ps.Run(Sync + " -WhatIf", p);
        var afterCheck = Snapshot(replaced);
        var first = ps.Run(Sync, p);
        var written = Snapshot(replaced);
        var second = ps.Run(Sync, p);
        var secondCheck = ps.Run(Sync + " -WhatIf", p);

        check.AssertNoErrors();
        Assert.Equal(before, afterCheck);
        Assert.True(check.Single().Value<bool>("Changed"));
        Assert.True(check.Single().Value<bool>("WhatIf"));
        first.AssertNoErrors();
        Assert.True(first.Single().Value<bool>("Changed"));
        Assert.True(first.Single().Value<bool>("Written"));
        Assert.NotEqual(before, written);
        Assert.Equal(Entries(first.Single()), Entries(check.Single()));
        Assert.False(second.Single().Value<bool>("Changed"));
        Assert.False(secondCheck.Single().Value<bool>("Changed"));
        Assert.Equal(written, Snapshot(replaced));
    }

    [Fact]
    public void Sync_Keystore_PruneLedger_Changed_is_true_once_false_on_a_rerun_and_WhatIf_writes_nothing()
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
        const string Prune = "param($Ledger) Sync-Keystore -PruneLedger -LedgerPath $Ledger";
        var before = LedgerSnapshot(ledger);

        var noted = ps.Run(Prune + " -AbsentDays 30", p);
        var afterNote = LedgerSnapshot(ledger);
        var noteAgain = ps.Run(Prune + " -AbsentDays 30", p);
        var check = ps.Run(Prune + " -WhatIf", p);
        var afterCheck = LedgerSnapshot(ledger);
        var first = ps.Run(Prune, p);
        var pruned = LedgerSnapshot(ledger);
        var second = ps.Run(Prune, p);
        var secondCheck = ps.Run(Prune + " -WhatIf", p);

        noted.AssertNoErrors();
        Assert.True(noted.Single().Value<bool>("Changed"));
        Assert.Empty(noted.Single().Items("StoresRemoved"));
        Assert.Equal([gone], noted.Single().Items("StoresAbsentKept").Select(o => o.BaseObject.ToString()));
        Assert.NotEqual(before, afterNote);
        Assert.False(noteAgain.Single().Value<bool>("Changed"));
        check.AssertNoErrors();
        Assert.Equal(afterNote, afterCheck);
        Assert.True(check.Single().Value<bool>("Changed"));
        Assert.True(check.Single().Value<bool>("WhatIf"));
        Assert.Equal([gone], check.Single().Items("StoresRemoved").Select(o => o.BaseObject.ToString()));
        first.AssertNoErrors();
        Assert.True(first.Single().Value<bool>("Changed"));
        Assert.True(first.Single().Value<bool>("Written"));
        Assert.Equal([gone], first.Single().Items("StoresRemoved").Select(o => o.BaseObject.ToString()));
        Assert.Equal(check.Single().Value<int>("EntriesRemoved"), first.Single().Value<int>("EntriesRemoved"));
        Assert.NotEqual(afterCheck, pruned);
        Assert.False(second.Single().Value<bool>("Changed"));
        Assert.False(secondCheck.Single().Value<bool>("Changed"));
        Assert.Equal(pruned, LedgerSnapshot(ledger));
    }

    [Fact]
    public async Task Invoke_HealedRequest_Changed_is_true_when_its_heal_wrote_the_store_false_on_a_rerun_and_WhatIf_predicts_the_merge()
    {
        await using var endpoint = lab.Lab.StartLeafOnlyWithAia(out _);
        var keystore = Path.Combine(lab.NewFolder(), "trust.pem");
        File.Copy(lab.TrustedRootPem, keystore);
        using var ps = PsSession.NoUi();
        var p = new Dictionary<string, object?> { ["Uri"] = $"https://127.0.0.1:{endpoint.Port}/", ["Keystore"] = keystore };
        const string Request = "param($Uri, $Keystore) Invoke-HealedRequest $Uri -Keystore $Keystore -TimeoutSec 20";
        var before = Snapshot(keystore);

        var check = ps.Run(Request + " -WhatIf", p);
        var afterCheck = Snapshot(keystore);
        var first = ps.Run(Request, p);
        var written = Snapshot(keystore);
        var second = ps.Run(Request, p);
        var secondCheck = ps.Run(Request + " -WhatIf", p);

        check.AssertNoErrors();
        Assert.Equal(before, afterCheck);
        Assert.True(check.Single().Value<bool>("Changed"));
        var planned = PSObject.AsPSObject(check.Single().Properties["Change"].Value);
        Assert.True(planned.Value<bool>("WhatIf"));
        first.AssertNoErrors();
        Assert.True(first.Single().Value<bool>("Healed"));
        Assert.True(first.Single().Value<bool>("Changed"));
        var change = PSObject.AsPSObject(first.Single().Properties["Change"].Value);
        Assert.True(change.Value<bool>("Written"));
        Assert.Equal(Entries(change), Entries(planned));
        Assert.Contains($"Added {lab.Lab.Trusted.Intermediate.Thumbprint}", Entries(change));
        Assert.NotEqual(before, written);
        second.AssertNoErrors();
        Assert.Equal(200, second.Single().Value<int>("StatusCode"));
        Assert.False(second.Single().Value<bool>("Changed"));
        Assert.False(secondCheck.Single().Value<bool>("Changed"));
        Assert.Equal(written, Snapshot(keystore));
    }

    [Fact]
    public void Invoke_HealedRequest_WhatIf_reports_no_change_for_an_anchor_the_real_run_would_refuse()
    {
        var endpoint = lab.Lab.Start(LabScenario.SelfSigned);
        var keystore = Path.Combine(lab.NewFolder(), "tofu.pem");
        using var ps = PsSession.NoUi();
        var p = new Dictionary<string, object?> { ["Uri"] = $"https://127.0.0.1:{endpoint.Port}/", ["Keystore"] = keystore };
        const string Request = "param($Uri, $Keystore) Invoke-HealedRequest $Uri -Keystore $Keystore -TrustPolicy TrustOnFirstUse -TimeoutSec 20";

        var check = ps.Run(Request + " -WhatIf", p);
        var real = ps.Run(Request, p);

        check.AssertNoErrors();
        Assert.False(check.Single().Value<bool>("Changed"));
        var planned = Assert.Single(PSObject.AsPSObject(check.Single().Properties["Change"].Value).Items("Entries"));
        Assert.True(planned.Value<bool>("Refused"));
        Assert.Contains("CertHeal.TrustRefused", real.ErrorIds);
        Assert.False(File.Exists(keystore));
    }

    /// <summary>What "nothing written" means to a configuration tool: the same bytes and the same modification time.</summary>
    private static string Snapshot(string path) =>
        $"{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))} {File.GetLastWriteTimeUtc(path):O}";

    /// <summary>Every record of the ledger (the folder named after ledger.json; its lock file aside): name, bytes and modification time.</summary>
    private static string LedgerSnapshot(string ledger)
    {
        var folder = ledger[..^".json".Length];
        return string.Join("\n", Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(folder, f) + " " + Snapshot(f)));
    }

    private static List<string> Entries(PSObject change) =>
        [.. change.Items("Entries").Select(e => $"{e.Value<object>("Action")} {e.Value<string>("Thumbprint")}")];
}
