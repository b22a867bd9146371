using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Consent for new trust anchors, in the hosts cmdlets really meet (issue #9's four failures):
/// a named fingerprint is the consent, -WhatIf never asks, a host that cannot ask gets
/// CertHeal.TrustRefused, an interactive host is asked only about anchors nobody named.
/// </summary>
public sealed class ConsentTests(PsLab lab) : IClassFixture<PsLab>
{
    private const string TofuMerge = "param($Certificates, $Path, $Fingerprint, $Script) $Certificates | Merge-Keystore -Path $Path -TrustPolicy TrustOnFirstUse";

    private static X509Certificate2 NewRoot(string name) => X509CertificateLoader.LoadCertificate(
        CertificateMint.Issue(new CertificateMint.Spec { Subject = $"CN={name}, O=CertHeal Tests", IsCertificateAuthority = true }).RawData);

    private static void AssertNoPrompt(PsSession ps) => Assert.Empty(ps.Host?.Prompts ?? []);

    private static PsResult InvokeHealed(PsSession ps, LabEndpoint endpoint, string keystore, string arguments, string? fingerprint = null) =>
        ps.Run($"param($Uri, $Keystore, $Fingerprint) Invoke-HealedRequest $Uri -Keystore $Keystore -TimeoutSec 20 {arguments}",
            new() { ["Uri"] = $"https://{endpoint.Target}/", ["Keystore"] = keystore, ["Fingerprint"] = fingerprint });

    [Theory]
    [InlineData(HostKind.NoUi)]
    [InlineData(HostKind.NonInteractive)]
    [InlineData(HostKind.Interactive)]
    public void Merge_Keystore_adds_a_pinned_root_from_a_live_chain_without_prompt_or_Force(HostKind kind)
    {
        var endpoint = lab.Lab.Start(LabScenario.UntrustedRoot);
        var path = Path.Combine(lab.NewFolder(), "cacerts.jks");
        var root = lab.Lab.Untrusted.Root;
        using var ps = PsSession.Open(kind);

        var result = ps.Run("""
            param($Target, $Path, $Password, $Fingerprint)
            Get-ServerCertificateChain $Target -NoAia -TimeoutSec 10 |
                Merge-Keystore -Path $Path -Password $Password -Format Jks -TrustPolicy Pinned -TrustedFingerprint $Fingerprint
            """, new() { ["Target"] = endpoint.Target, ["Path"] = path, ["Password"] = Secrets.ChangeIt, ["Fingerprint"] = PsLab.Sha256(root) });

        result.AssertNoErrors();
        AssertNoPrompt(ps);
        var change = result.Single();
        Assert.True(change.Value<bool>("Written"), result.Describe());
        Assert.Contains(change.Items("Entries"), e => e.Value<string>("Thumbprint") == root.Thumbprint && e.Value<string>("Action") == "Added");
    }

    [Theory]
    [InlineData(HostKind.NoUi)]
    [InlineData(HostKind.NonInteractive)]
    [InlineData(HostKind.Interactive)]
    public void WhatIf_never_prompts_and_never_writes(HostKind kind)
    {
        var path = Path.Combine(lab.NewFolder(), "store.pem");
        File.WriteAllText(path, CertificateMint.ToPem(lab.Lab.Trusted.Root));
        var before = File.ReadAllBytes(path);
        using var ps = PsSession.Open(kind);

        var result = ps.Run(TofuMerge + " -WhatIf", new() { ["Certificates"] = new[] { NewRoot("whatif-a"), NewRoot("whatif-b") }, ["Path"] = path });

        result.AssertNoErrors();
        AssertNoPrompt(ps);
        var change = result.Single();
        Assert.True(change.Value<bool>("WhatIf"));
        Assert.False(change.Value<bool>("Written"));
        Assert.Equal(2, change.Value<int>("Added"));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".bak"));
    }

    [Theory]
    [InlineData(HostKind.NoUi)]
    [InlineData(HostKind.NonInteractive)]
    public void TrustOnFirstUse_without_Force_in_a_host_that_cannot_prompt_is_TrustRefused_naming_the_fingerprint_and_the_parameter(HostKind kind)
    {
        var path = Path.Combine(lab.NewFolder(), "tofu.pem");
        var (a, b) = (NewRoot("tofu-a"), NewRoot("tofu-b"));
        using var ps = PsSession.Open(kind);

        var result = ps.Run(TofuMerge, new() { ["Certificates"] = new[] { a, b }, ["Path"] = path });

        Assert.Null(result.Terminating);
        Assert.Equal(["CertHeal.TrustRefused", "CertHeal.TrustRefused"], result.ErrorIds);
        foreach (var (error, certificate) in result.Errors.Zip([a, b]))
        {
            var fingerprint = PsLab.Sha256(certificate);
            Assert.Equal(System.Management.Automation.ErrorCategory.SecurityError, error.CategoryInfo.Category);
            Assert.Equal(fingerprint, error.TargetObject);
            Assert.Contains(fingerprint, error.Exception.Message);
            Assert.Contains("-TrustedFingerprint " + fingerprint, error.Exception.Message);
            Assert.Contains("cannot ask", error.Exception.Message);
        }
        var change = result.Single();
        Assert.Equal(2, change.Value<int>("Skipped"));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void TrustOnFirstUse_on_an_interactive_host_follows_each_answer()
    {
        var path = Path.Combine(lab.NewFolder(), "answers.pem");
        var (a, b) = (NewRoot("answer-yes"), NewRoot("answer-no"));
        using var ps = PsSession.WithHost(PromptAnswer.Yes, PromptAnswer.No);

        var result = ps.Run(TofuMerge, new() { ["Certificates"] = new[] { a, b }, ["Path"] = path });

        Assert.Equal(2, ps.Host!.Prompts.Count);
        Assert.Contains(PsLab.Sha256(a), ps.Host.Prompts[0].Message);
        Assert.Contains("Yes to All", ps.Host.Prompts[0].Choices);
        var error = result.Error("CertHeal.TrustRefused");
        Assert.Equal(PsLab.Sha256(b), error.TargetObject);
        var change = result.Single();
        Assert.Equal(1, change.Value<int>("Added"));
        Assert.Contains(a.ExportCertificatePem(), File.ReadAllText(path).ReplaceLineEndings("\n"));
        Assert.DoesNotContain(b.ExportCertificatePem(), File.ReadAllText(path).ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(PromptAnswer.YesToAll, 2)]
    [InlineData(PromptAnswer.NoToAll, 0)]
    public void Yes_to_All_and_No_to_All_answer_every_anchor_with_one_prompt(PromptAnswer answer, int added)
    {
        var path = Path.Combine(lab.NewFolder(), "all.pem");
        using var ps = PsSession.WithHost(answer);

        var result = ps.Run(TofuMerge, new() { ["Certificates"] = new[] { NewRoot("all-a"), NewRoot("all-b") }, ["Path"] = path });

        Assert.Single(ps.Host!.Prompts);
        Assert.Equal(2 - added, result.ErrorIds.Count(id => id == "CertHeal.TrustRefused"));
        Assert.Equal(added, result.Single().Value<int>("Added"));
        Assert.Equal(added > 0, File.Exists(path));
    }

    [Fact]
    public void A_named_fingerprint_is_consent_for_that_anchor_only()
    {
        var path = Path.Combine(lab.NewFolder(), "named.pem");
        var (named, other) = (NewRoot("named"), NewRoot("not-named"));
        using var ps = PsSession.WithHost(PromptAnswer.No);

        var result = ps.Run(TofuMerge + " -TrustedFingerprint $Fingerprint",
            new() { ["Certificates"] = new[] { named, other }, ["Path"] = path, ["Fingerprint"] = PsLab.Sha256(named).ToLowerInvariant() });

        Assert.True(ps.Host!.Prompts.Count == 1, result.Describe());
        var prompt = ps.Host.Prompts[0];
        Assert.Contains(PsLab.Sha256(other), prompt.Message);
        Assert.Equal(PsLab.Sha256(other), result.Error("CertHeal.TrustRefused").TargetObject);
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.Contains(named.ExportCertificatePem(), text);
        Assert.DoesNotContain(other.ExportCertificatePem(), text);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ApprovalScript_decides_for_unnamed_anchors_in_a_no_UI_runspace(bool approve)
    {
        var path = Path.Combine(lab.NewFolder(), "approval.pem");
        var anchor = NewRoot("approval");
        using var ps = PsSession.NoUi();

        var result = ps.Run(TofuMerge + " -ApprovalScript ([scriptblock]::Create($Script))",
            new() { ["Certificates"] = anchor, ["Path"] = path, ["Script"] = $"param($anchors) $anchors[0].Sha256Fingerprint -eq '{PsLab.Sha256(anchor)}' -and {(approve ? "$true" : "$false")}" });

        Assert.Equal(approve ? [] : ["CertHeal.TrustRefused"], result.ErrorIds);
        Assert.Equal(approve ? 1 : 0, result.Single().Value<int>("Added"));
        Assert.Equal(approve, File.Exists(path));
    }

    [Theory]
    [InlineData(PromptAnswer.Yes, true)]
    [InlineData(PromptAnswer.No, false)]
    public void Confirm_asks_once_for_the_write_and_not_for_a_named_anchor(PromptAnswer answer, bool written)
    {
        var path = Path.Combine(lab.NewFolder(), "confirm.pem");
        var root = NewRoot("confirm");
        using var ps = PsSession.WithHost(answer);

        var result = ps.Run("param($Certificates, $Path, $Fingerprint) $Certificates | Merge-Keystore -Path $Path -TrustPolicy Pinned -TrustedFingerprint $Fingerprint -Confirm",
            new() { ["Certificates"] = root, ["Path"] = path, ["Fingerprint"] = PsLab.Sha256(root) });

        result.AssertNoErrors();
        var prompt = Assert.Single(ps.Host!.Prompts);
        Assert.Contains(path, prompt.Message);
        Assert.Equal(written, result.Single().Value<bool>("Written"));
        Assert.Equal(written, File.Exists(path));
    }

    [Theory]
    [InlineData(HostKind.NoUi)]
    [InlineData(HostKind.NonInteractive)]
    public void Invoke_HealedRequest_heals_with_a_pinned_root_without_prompt_or_Force(HostKind kind)
    {
        var endpoint = lab.Lab.Start(LabScenario.UntrustedRoot);
        var keystore = Path.Combine(lab.NewFolder(), "truststore.pem");
        using var ps = PsSession.Open(kind);

        var result = InvokeHealed(ps, endpoint, keystore, "-TrustPolicy Pinned -TrustedFingerprint $Fingerprint", PsLab.Sha256(lab.Lab.Untrusted.Root));

        result.AssertNoErrors();
        AssertNoPrompt(ps);
        var response = result.Single();
        Assert.Equal(200, response.Value<int>("StatusCode"));
        Assert.True(response.Value<bool>("Healed"));
        Assert.Contains(lab.Lab.Untrusted.Root.ExportCertificatePem(), File.ReadAllText(keystore).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Invoke_HealedRequest_trust_on_first_use_without_Force_is_TrustRefused_in_a_no_UI_runspace()
    {
        var endpoint = lab.Lab.Start(LabScenario.SelfSigned);
        var keystore = Path.Combine(lab.NewFolder(), "tofu.pem");
        var fingerprint = PsLab.Sha256(endpoint.Presented[0]);
        using var ps = PsSession.NoUi();

        var result = InvokeHealed(ps, endpoint, keystore, "-TrustPolicy TrustOnFirstUse");

        Assert.Null(result.Terminating);
        var error = result.Error("CertHeal.TrustRefused");
        Assert.Equal(fingerprint, error.TargetObject);
        Assert.Contains("-TrustedFingerprint " + fingerprint, error.Exception.Message);
        Assert.False(File.Exists(keystore));
    }

    [Theory]
    [InlineData(HostKind.NoUi)]
    [InlineData(HostKind.Interactive)]
    public void Invoke_HealedRequest_WhatIf_never_prompts_and_never_writes(HostKind kind)
    {
        var endpoint = lab.Lab.Start(LabScenario.SelfSigned);
        var keystore = Path.Combine(lab.NewFolder(), "whatif.pem");
        using var ps = PsSession.Open(kind);

        var result = InvokeHealed(ps, endpoint, keystore, "-TrustPolicy TrustOnFirstUse -WhatIf");

        result.AssertNoErrors();
        AssertNoPrompt(ps);
        var response = result.Single();
        Assert.Equal(0, response.Value<int>("Attempts"));
        Assert.Contains(response.Items("Steps"), s => s.Value<string>("Name") == "WouldMerge" && s.Value<string>("Detail").Contains(PsLab.Sha256(endpoint.Presented[0]), StringComparison.Ordinal));
        Assert.False(File.Exists(keystore));
        Assert.Equal(1, endpoint.Connections); // the diagnosis handshake only: no request was sent
    }

    [Theory]
    [InlineData(HostKind.NoUi, 0)]
    [InlineData(HostKind.NonInteractive, 0)]
    [InlineData(HostKind.Interactive, 3)]
    public void Merge_Keystore_judges_each_certificate_once_whatever_the_host_answers(HostKind kind, int added)
    {
        // Issue #20: the plan decides each certificate once and the commit reuses it; before, the
        // cmdlet planned and then merged from scratch (14 chain builds for these 3 certificates).
        var (leaf, chain) = lab.Lab.Material(LabScenario.UntrustedRoot)!.Value;
        var path = Path.Combine(lab.NewFolder(), "counted.pem");
        using var ps = PsSession.Open(kind, PromptAnswer.Yes);

        var result = ps.Run("""
            param($Certificates, $Path)
            $counter = [CertHeal.Keystores.KeystoreMerger].Assembly.GetType('CertHeal.Trust.VerdictCounter')
            $scope = $counter.GetMethod('Begin', [Reflection.BindingFlags]'Public,Static').Invoke($null, @())
            $change = $Certificates | Merge-Keystore -Path $Path -TrustPolicy TrustOnFirstUse -ErrorAction SilentlyContinue
            [pscustomobject]@{ Added = $change.Added; Builds = $scope.GetType().GetProperty('Count').GetValue($scope) }
            """, new() { ["Certificates"] = chain.Prepend(leaf).ToArray(), ["Path"] = path });

        var counted = result.Single();
        Assert.Equal(added, counted.Value<int>("Added"));
        Assert.Equal(3L, counted.Value<long>("Builds"));
    }

    [Theory]
    [InlineData(HostKind.NoUi, false)]
    [InlineData(HostKind.Interactive, true)]
    public void Trust_on_first_use_of_a_private_chain_asks_once_for_its_root_and_the_rest_follows_the_answer(HostKind kind, bool yes)
    {
        var endpoint = lab.Lab.Start(LabScenario.UntrustedRoot);
        var path = Path.Combine(lab.NewFolder(), "chain.pem");
        var root = PsLab.Sha256(lab.Lab.Untrusted.Root);
        using var ps = PsSession.Open(kind, PromptAnswer.Yes);

        var result = ps.Run("param($T, $Path) Get-ServerCertificateChain $T -NoAia -TimeoutSec 10 | Merge-Keystore -Path $Path -TrustPolicy TrustOnFirstUse",
            new() { ["T"] = endpoint.Target, ["Path"] = path });

        var change = result.Single();
        if (yes)
        {
            result.AssertNoErrors();
            Assert.Contains(root, Assert.Single(ps.Host!.Prompts).Message);
            Assert.Equal(3, change.Value<int>("Added"));
        }
        else
        {
            // Without the root's consent nothing below it may go in: Java would trust an intermediate entry as an anchor.
            Assert.Equal(root, result.Error("CertHeal.TrustRefused").TargetObject);
            Assert.Equal(3, change.Value<int>("Skipped"));
            Assert.All(change.Items("Entries"), e => Assert.True(e.Value<bool>("Refused")));
            Assert.False(File.Exists(path));
        }
    }

    [Fact]
    public void Invoke_HealedRequest_trust_on_first_use_of_a_private_chain_without_Force_writes_nothing()
    {
        var endpoint = lab.Lab.Start(LabScenario.UntrustedRoot);
        var keystore = Path.Combine(lab.NewFolder(), "private.pem");
        using var ps = PsSession.NoUi();

        var result = InvokeHealed(ps, endpoint, keystore, "-TrustPolicy TrustOnFirstUse");

        Assert.Empty(result.Output);
        Assert.Equal(PsLab.Sha256(lab.Lab.Untrusted.Root), result.Error("CertHeal.TrustRefused").TargetObject);
        Assert.False(File.Exists(keystore));
    }
}
