using CertHeal.Chains;
using CertHeal.Keystores;
using CertHeal.Lab;

namespace CertHeal.Tests.Merge;

/// <summary>
/// Issue #9: a fingerprint named with --trusted-fingerprint is the consent for that anchor, in
/// `certheal merge` and `certheal request` alike: no --force, no --approval-command.
/// </summary>
public sealed class NamedFingerprintCliTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    [Fact]
    public async Task Certheal_merge_adds_a_pinned_root_without_force()
    {
        var root = fixture.Lab.Untrusted.Root;
        var bundle = NewPath("root.pem");
        File.WriteAllText(bundle, CertificateMint.ToPem(root));
        var keystore = NewPath("cacerts.jks");

        var result = await CliProcess.RunAsync(["merge", keystore, bundle, "--password", "changeit", "--format", "Jks",
            "--policy", "Pinned", "--trusted-fingerprint", CertificateFacts.Sha256Fingerprint(root), "--json"]);

        Assert.True(result.Code == 0, result.Stdout + result.Stderr);
        using var password = KeystorePassword.FromString("changeit");
        Assert.Equal(root.Thumbprint, Assert.Single(KeystoreFile.Open(keystore, null, password).TrustedEntries).Certificate!.Thumbprint);
    }

    [Fact]
    public async Task Certheal_merge_trust_on_first_use_takes_the_named_anchor_and_refuses_the_other()
    {
        var named = fixture.Lab.Untrusted.Root;
        var other = fixture.Lab.Trusted.Root;
        var bundle = NewPath("two-roots.pem");
        File.WriteAllText(bundle, CertificateMint.ToPem(named) + CertificateMint.ToPem(other));
        var keystore = NewPath("tofu.pem");

        var result = await CliProcess.RunAsync(["merge", keystore, bundle, "--policy", "TrustOnFirstUse",
            "--trusted-fingerprint", CertificateFacts.Sha256Fingerprint(named).ToLowerInvariant()]);

        Assert.Equal(1, result.Code);
        Assert.Equal(named.Thumbprint, Assert.Single(KeystoreFile.Open(keystore).TrustedEntries).Certificate!.Thumbprint);
    }

    [Fact]
    public async Task Certheal_request_heals_with_a_pinned_root_without_force()
    {
        await using var server = fixture.Lab.Start(LabScenario.UntrustedRoot);
        var roots = fixture.Lab.WriteTrustedRootPem("named-roots.pem");
        var keystore = NewPath("request.pem");

        var result = await CliProcess.RunAsync(["request", $"https://{server.Target}/", "--keystore", keystore,
            "--policy", "Pinned", "--trusted-fingerprint", CertificateFacts.Sha256Fingerprint(fixture.Lab.Untrusted.Root)], roots);

        Assert.True(result.Code == 0, result.Stdout + result.Stderr);
        Assert.Contains("HTTP 200 (healed)", result.Stdout);
    }
}
