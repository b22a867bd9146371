using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// A bypass's Recommendation, run as printed against a real self-signed lab server: its test names
/// the failure and the root to pin, its collect-and-merge (fingerprint filled in, into a keystore of
/// the test's own) heals the endpoint, and the switch's file is never edited.
/// </summary>
public sealed class FindTlsBypassHealTests(PsLab lab) : IClassFixture<PsLab>
{
    [Fact]
    public void The_recommended_test_runs_as_printed_and_the_pinned_merge_heals_the_endpoint_the_npmrc_names()
    {
        var endpoint = lab.Lab.Start(LabScenario.SelfSigned);
        var folder = lab.NewFolder();
        var npmrc = Path.Combine(folder, ".npmrc");
        File.WriteAllText(npmrc, $"registry=https://{endpoint.Target}/\nstrict-ssl=false\n");
        var before = File.ReadAllBytes(npmrc);
        var store = Path.Combine(folder, "healed.pem");
        var fingerprint = PsLab.Sha256(endpoint.Presented[0]);
        using var ps = PsSession.NoUi();

        var found = ps.Run("param($P) $global:bypass = Find-TlsBypass -Path $P; $global:bypass", new() { ["P"] = npmrc });
        var test = ps.Run("$r = $global:bypass.Recommendation; & ([scriptblock]::Create($r.Substring(0, $r.IndexOf('; if it fails: '))))");
        var merge = ps.Run("""
            param($Fingerprint, $Store)
            $r = $global:bypass.Recommendation
            $collect = $r.Substring($r.IndexOf('; if it fails: ') + 15)
            $collect = $collect.Substring(0, $collect.IndexOf('; then remove'))
            $collect = $collect.Replace("<the root's SHA-256 from Test-TlsHandshake>", "'$Fingerprint'").Replace('| Merge-Keystore', "| Merge-Keystore -Path '$Store'")
            & ([scriptblock]::Create($collect))
            """, new() { ["Fingerprint"] = fingerprint, ["Store"] = store });
        var after = ps.Run("param($T, $Store) Test-TlsHandshake -Target $T -Keystore $Store", new() { ["T"] = endpoint.Target, ["Store"] = store });

        found.AssertNoErrors();
        Assert.Equal(endpoint.Target, found.Single().Value<string>("Endpoint"));
        test.AssertNoErrors();
        Assert.Equal("SelfSigned", test.Single().Value("Failure")!.ToString());
        Assert.Contains(fingerprint, test.Single().Value<string>("Recommendation"));
        merge.AssertNoErrors();
        Assert.Equal(1, merge.Single().Value<int>("Added"));
        after.AssertNoErrors();
        Assert.True(after.Single().Value<bool>("Succeeded"), after.Single().Value<string>("Reason"));
        Assert.Equal(before, File.ReadAllBytes(npmrc));
    }
}
