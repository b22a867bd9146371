using System.Text.Json;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust.Distrust;

namespace CertHeal.Tests.Distrust;

/// <summary>
/// Issue #21: a blocked key is never written, whatever the policy or consent (pinned fingerprint,
/// TrustOnFirstUse with --force, --approval-command), and the engine refuses before consent is
/// asked; Confirm-Keystore reports one already in a store; --remove-distrusted takes it out through
/// the same write path. The CLI runs as a real certheal process with the built-in list.
/// </summary>
public sealed class DistrustMergeTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    private string WritePem(string name, params System.Security.Cryptography.X509Certificates.X509Certificate2[] certificates)
    {
        var path = NewPath(name);
        File.WriteAllText(path, string.Concat(certificates.Select(CertificateMint.ToPem)));
        return path;
    }

    [Fact]
    public async Task Merging_the_real_Superfish_root_pinned_by_its_SHA256_writes_nothing_and_says_why()
    {
        var superfish = DistrustLab.Shared("superfish.pem");
        var store = NewPath("store.pem");

        var result = await CliProcess.RunAsync(["merge", store, DistrustLab.SharedFile("superfish.pem"), "--policy", "Pinned",
            "--trusted-fingerprint", CertificateFacts.Sha256Fingerprint(superfish)]);

        Assert.True(result.Code == 1, result.Stdout + result.Stderr);
        Assert.False(File.Exists(store));
        Assert.Contains("0 added", result.Stdout);
        Assert.Contains("carries a blocked key", result.Stdout);
        Assert.Contains("Superfish", result.Stdout);
    }

    [Fact]
    public async Task TrustOnFirstUse_with_force_refuses_a_lab_certificate_that_carries_Superfishs_key()
    {
        var blocked = DistrustLab.WithKeyOf(DistrustLab.Shared("superfish.pem"), "CN=Lab Superfish Key, O=CertHeal Distrust Tests", DistrustLab.NewCa("tofu-ca"));
        var store = NewPath("tofu.pem");

        var result = await CliProcess.RunAsync(["merge", store, WritePem("blocked.pem", blocked), "--policy", "TrustOnFirstUse", "--force", "--json"]);

        Assert.True(result.Code == 1, result.Stdout + result.Stderr);
        Assert.False(File.Exists(store));
        var entry = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("Entries")[0];
        Assert.Equal("Skipped", entry.GetProperty("Action").GetString());
        Assert.StartsWith("never written: it carries a blocked key (SPKI SHA-256 " + DistrustLab.SuperfishSpki, entry.GetProperty("Reason").GetString());
        Assert.True(entry.GetProperty("Refused").GetBoolean());
    }

    [Fact]
    public async Task The_approval_command_is_never_asked_about_a_blocked_key()
    {
        var blocked = DistrustLab.WithKeyOf(DistrustLab.Shared("dsdtestprovider.pem"), "CN=Lab DSD Key, O=CertHeal Distrust Tests", DistrustLab.NewCa("approval-ca"));
        var store = NewPath("approval.pem");
        var marker = NewPath("asked");

        var result = await CliProcess.RunAsync(["merge", store, WritePem("blocked.pem", blocked), "--policy", "TrustOnFirstUse",
            "--approval-command", $"touch '{marker}'; exit 0"]);

        Assert.True(result.Code == 1, result.Stdout + result.Stderr);
        Assert.False(File.Exists(marker), "the approval command ran for a blocked key");
        Assert.False(File.Exists(store));
        Assert.Contains("carries a blocked key", result.Stdout);
    }

    [Fact]
    public async Task A_blocked_key_that_chains_to_a_trusted_root_is_refused_and_so_is_what_it_signs()
    {
        var root = fixture.Lab.Trusted.Root;
        var blocked = DistrustLab.WithKeyOf(DistrustLab.Shared("superfish.pem"), "CN=Chained Superfish Key, O=CertHeal Distrust Tests", root);
        var store = NewPath("chained.pem");
        File.WriteAllText(store, CertificateMint.ToPem(root));
        var before = File.ReadAllBytes(store);

        var result = await CliProcess.RunAsync(["merge", store, WritePem("chained-blocked.pem", blocked), "--json"], fixture.Lab.WriteTrustedRootPem("distrust-roots.pem"));

        Assert.True(result.Code == 1, result.Stdout + result.Stderr);
        Assert.Equal(before, File.ReadAllBytes(store));
        Assert.Contains("carries a blocked key", result.Stdout);
    }

    [Fact]
    public void In_process_no_policy_or_approval_writes_a_blocked_key_and_approval_is_never_asked()
    {
        var root = DistrustLab.NewCa("in-process-blocked");
        var leafCa = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=Below Blocked, O=CertHeal Distrust Tests", IsCertificateAuthority = true }, root);
        var asked = new List<string>();
        using var _ = DistrustList.Override(DistrustLab.Blocking(root));
        foreach (var policy in Enum.GetValues<TrustPolicy>())
        {
            var store = NewPath($"{policy}.pem");
            var change = KeystoreMerger.Merge(store, null, null, [root, leafCa], new MergeOptions
            {
                Policy = policy,
                TrustedFingerprints = [CertificateFacts.Sha256Fingerprint(root)],
                ApproveAnchor = fingerprint => { asked.Add(fingerprint); return true; },
                System = fixture.Trust,
            }, new SaveOptions());

            Assert.False(change.Written, policy.ToString());
            Assert.False(File.Exists(store));
            Assert.All(change.Entries, e => Assert.Equal((KeystoreChangeAction.Skipped, true), (e.Action, e.Refused)));
            Assert.Contains(change.Entries, e => e.Reason.Contains("is signed by 'CN=in-process-blocked", StringComparison.Ordinal));
        }
        Assert.Empty(asked);
    }

    [Fact]
    public async Task Confirm_reports_the_real_DSDTestProvider_root_as_an_Error_and_remove_distrusted_takes_it_out()
    {
        var dsd = DistrustLab.Shared("dsdtestprovider.pem");
        var keep = fixture.Lab.Trusted.Root;
        var store = WritePem("dsd-store.pem", keep, dsd);

        var confirm = await CliProcess.RunAsync(["confirm", store, "--json"]);

        Assert.True(confirm.Code == 1, confirm.Stdout + confirm.Stderr);
        var report = JsonDocument.Parse(confirm.Stdout).RootElement[0];
        Assert.False(report.GetProperty("IsValid").GetBoolean());
        var finding = report.GetProperty("Findings").EnumerateArray().Single(f => f.GetProperty("Code").GetString() == "BlockedKey");
        Assert.Equal("Error", finding.GetProperty("Severity").GetString());
        Assert.Equal(dsd.Thumbprint, finding.GetProperty("Thumbprint").GetString());
        Assert.Contains("DSDTestProvider", finding.GetProperty("Message").GetString());
        Assert.Contains("--remove-distrusted", finding.GetProperty("Message").GetString());

        var remove = await CliProcess.RunAsync(["merge", store, "--remove-distrusted"]);

        Assert.True(remove.Code == 0, remove.Stdout + remove.Stderr);
        Assert.Contains("1 removed", remove.Stdout);
        Assert.True(File.Exists(store + ".bak"));
        var left = Assert.Single(KeystoreFile.Open(store).TrustedEntries);
        Assert.Equal(keep.Thumbprint, left.Certificate!.Thumbprint);
        var again = await CliProcess.RunAsync(["confirm", store, "--json"]);
        Assert.DoesNotContain("BlockedKey", again.Stdout);
    }

    [Fact]
    public async Task Remove_distrusted_takes_out_a_distrust_after_root_that_confirm_only_warns_about()
    {
        var root = DistrustLab.NewCa("distrust-after-entry");
        var keep = DistrustLab.NewCa("kept-entry");
        var store = WritePem("distrust-after.pem", root, keep);
        using var _ = DistrustList.Override(DistrustLab.DistrustingAfter(root, ClientFamily.Java, DateTime.UtcNow.AddDays(-5), DistrustBasis.NotBefore));

        var report = await CertHeal.Validation.KeystoreValidator.ValidateFileAsync(store, null, null, new CertHeal.Validation.ValidationOptions(), default);
        var change = KeystoreMerger.Merge(store, null, null, [], new MergeOptions { RemoveDistrusted = true, System = fixture.Trust }, new SaveOptions());

        var finding = Assert.Single(report.Findings, f => f.Code == CertHeal.Validation.FindingCodes.Distrusted);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.True(report.IsValid);
        Assert.True(change.Written);
        Assert.Equal(1, change.Removed);
        Assert.Equal(KeystoreChangeAction.Removed, Assert.Single(change.Entries).Action);
        Assert.Equal(keep.Thumbprint, Assert.Single(KeystoreFile.Open(store).TrustedEntries).Certificate!.Thumbprint);
    }
}
