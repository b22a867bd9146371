using System.Management.Automation;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Errors carry an ErrorId, a category and the failing item, and leave keystores byte for byte
/// as they were; paths resolve against the runspace's location, and -LiteralPath takes `[` and `*`.
/// </summary>
public sealed class ErrorsAndPathsTests(PsLab lab) : IClassFixture<PsLab>
{
    private const string PinRoot = "param($Path, $Password, $Root, $Fingerprint) $Root | Merge-Keystore -Path $Path -Password $Password -Format Jks -TrustPolicy Pinned -TrustedFingerprint $Fingerprint -SkipValidation";

    private Dictionary<string, object?> PinArgs(string path, string password) => new()
    {
        ["Path"] = path, ["Password"] = Secrets.Of(password), ["Root"] = lab.Lab.Untrusted.Root, ["Fingerprint"] = PsLab.Sha256(lab.Lab.Untrusted.Root),
    };

    [Theory]
    [InlineData("Test-TlsHandshake")]
    [InlineData("Get-ServerCertificateChain")]
    public void A_bad_target_is_a_non_terminating_InvalidTarget_and_the_others_still_run(string cmdlet)
    {
        var endpoint = lab.Lab.Start(LabScenario.GoodChain);
        using var ps = PsSession.NoUi();

        var result = ps.Run($"param($Targets) $Targets | {cmdlet} -NoAia -TimeoutSec 10", new() { ["Targets"] = new[] { "bad host:99999", endpoint.Target } });

        Assert.Null(result.Terminating);
        var error = result.Error("CertHeal.InvalidTarget");
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("bad host:99999", error.TargetObject);
        Assert.NotEmpty(result.Output);
    }

    [Fact]
    public void Confirm_Keystore_reports_a_bad_endpoint_as_InvalidTarget_and_still_judges_the_keystore()
    {
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Path) 'https://' | Confirm-Keystore -Path $Path", new() { ["Path"] = lab.TrustedRootPem });

        Assert.Equal("https://", result.Error("CertHeal.InvalidTarget").TargetObject);
        Assert.True(result.Single().Value<bool>("IsValid"));
    }

    [Fact]
    public void A_missing_keystore_is_KeystoreNotFound_naming_the_path()
    {
        var folder = lab.NewFolder();
        using var ps = PsSession.NoUi();
        ps.SetLocation(folder);

        var confirm = ps.Run("Confirm-Keystore -Path ./missing.jks");
        var probe = ps.Run("Test-TlsHandshake 127.0.0.1:1 -Keystore ./missing.pem -TimeoutSec 1");

        var expected = Path.Combine(folder, "missing.jks");
        var error = confirm.Error("CertHeal.KeystoreNotFound");
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(expected, error.TargetObject);
        Assert.Contains(expected, error.Exception.Message);
        Assert.Equal(Path.Combine(folder, "missing.pem"), probe.Error("CertHeal.KeystoreNotFound").TargetObject);
        Assert.False(File.Exists(expected));
    }

    [Fact]
    public void A_wrong_password_is_KeystorePassword_and_leaves_the_keystore_byte_identical()
    {
        var path = Path.Combine(lab.NewFolder(), "cacerts.jks");
        using var ps = PsSession.NoUi();
        ps.Run(PinRoot, PinArgs(path, "changeit")).AssertNoErrors();
        var before = File.ReadAllBytes(path);
        var backups = Directory.GetFiles(Path.GetDirectoryName(path)!).Length;

        var result = ps.Run("param($Path, $Password, $Certificate) $Certificate | Merge-Keystore -Path $Path -Password $Password -TrustPolicy TrustOnFirstUse -Force -SkipValidation",
            new() { ["Path"] = path, ["Password"] = Secrets.Of("wrong-secret-42"), ["Certificate"] = lab.Lab.Trusted.Root });

        var error = result.Error("CertHeal.KeystorePassword");
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Equal(path, error.TargetObject);
        Assert.DoesNotContain("wrong-secret-42", error.Exception.ToString());
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(backups, Directory.GetFiles(Path.GetDirectoryName(path)!).Length);
    }

    [Theory]
    [InlineData("Merge-Keystore")]
    [InlineData("Confirm-Keystore")]
    public void A_corrupt_keystore_is_KeystoreUnreadable_and_stays_byte_identical(string cmdlet)
    {
        var path = Path.Combine(lab.NewFolder(), "corrupt.p12");
        var garbage = new byte[] { 0x30, 0x82, 0x7F, 0xFF, 0x02, 0x01, 0x03, 0x30, 0x00, 0xDE, 0xAD, 0xBE, 0xEF };
        File.WriteAllBytes(path, garbage);
        using var ps = PsSession.NoUi();

        var script = cmdlet == "Merge-Keystore"
            ? "param($Path, $Certificate) $Certificate | Merge-Keystore -Path $Path -Password ([securestring]::new()) -TrustPolicy TrustOnFirstUse -Force"
            : "param($Path) Confirm-Keystore -Path $Path";
        var result = ps.Run(script, new() { ["Path"] = path, ["Certificate"] = lab.Lab.Trusted.Root });

        var error = Assert.Single(result.AllErrors);
        Assert.Contains(PsResult.ErrorId(error), new[] { "CertHeal.KeystoreUnreadable", "CertHeal.KeystorePassword" });
        Assert.NotEqual(ErrorCategory.NotSpecified, error.CategoryInfo.Category);
        Assert.Equal(path, error.TargetObject);
        Assert.Equal(garbage, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!), f => !f.EndsWith(".lock", StringComparison.Ordinal));
    }

    [Fact]
    public void Relative_paths_resolve_against_the_runspace_location_not_the_process()
    {
        var endpoint = lab.Lab.Start(LabScenario.UntrustedRoot);
        var folder = lab.NewFolder();
        File.Copy(lab.TrustedRootPem, Path.Combine(folder, "roots.pem"));
        var processDirectory = Environment.CurrentDirectory;
        Assert.NotEqual(Path.GetFullPath(folder), Path.GetFullPath(processDirectory));
        using var ps = PsSession.NoUi();
        ps.SetLocation(folder);

        var result = ps.Run("""
            param($Target, $Fingerprint)
            $chain = Get-ServerCertificateChain $Target -NoAia -OutFile chain.pem -TimeoutSec 10
            $change = $chain | Merge-Keystore -Path store.pem -TrustPolicy Pinned -TrustedFingerprint $Fingerprint
            $report = Confirm-Keystore store.pem
            $probe = Test-TlsHandshake $Target -Keystore store.pem -TimeoutSec 10
            $change, $report, $probe
            """, new() { ["Target"] = endpoint.Target, ["Fingerprint"] = PsLab.Sha256(lab.Lab.Untrusted.Root) });

        result.AssertNoErrors();
        Assert.Equal(Path.Combine(folder, "store.pem"), result.Output[0].Value<string>("Path"));
        Assert.Equal(Path.Combine(folder, "store.pem"), result.Output[1].Value<string>("Path"));
        Assert.True(result.Output[2].Value<bool>("Succeeded"), result.Output[2].Value<string>("Reason"));
        Assert.True(File.Exists(Path.Combine(folder, "chain.pem")));
        Assert.False(File.Exists(Path.Combine(processDirectory, "store.pem")));
        Assert.False(File.Exists(Path.Combine(processDirectory, "chain.pem")));
    }

    [Fact]
    public void LiteralPath_takes_brackets_and_stars_literally_and_Path_wildcards_match_one_file()
    {
        var folder = lab.NewFolder();
        const string name = "trust[prod]*.pem";
        using var ps = PsSession.NoUi();
        ps.SetLocation(folder);

        var merged = ps.Run("param($Root, $Fingerprint, $Name) $Root | Merge-Keystore -LiteralPath $Name -TrustPolicy Pinned -TrustedFingerprint $Fingerprint",
            new() { ["Root"] = lab.Lab.Untrusted.Root, ["Fingerprint"] = PsLab.Sha256(lab.Lab.Untrusted.Root), ["Name"] = name });
        var confirmed = ps.Run("param($Name) Confirm-Keystore -LiteralPath $Name", new() { ["Name"] = name });
        var wildcard = ps.Run("param($Root, $Fingerprint) $Root | Merge-Keystore -Path 'trust*.pem' -TrustPolicy Pinned -TrustedFingerprint $Fingerprint",
            new() { ["Root"] = lab.Lab.Trusted.Root, ["Fingerprint"] = PsLab.Sha256(lab.Lab.Trusted.Root) });

        merged.AssertNoErrors();
        confirmed.AssertNoErrors();
        wildcard.AssertNoErrors();
        Assert.Equal(Path.Combine(folder, name), merged.Single().Value<string>("Path"));
        Assert.Equal(1, confirmed.Single().Value<int>("EntryCount"));
        Assert.Equal(Path.Combine(folder, name), wildcard.Single().Value<string>("Path"));
        Assert.Equal(1, wildcard.Single().Value<int>("Added"));
        Assert.Equal([name, name + ".bak", name + ".lock"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
