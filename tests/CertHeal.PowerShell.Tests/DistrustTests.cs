using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Issue #21 in the hosted PowerShell engine: Merge-Keystore never writes a blocked key, whether
/// its fingerprint is named (-TrustedFingerprint), TrustOnFirstUse is forced (-Force) or an
/// -ApprovalScript would approve it (the script is never asked); Confirm-Keystore reports one
/// already in a store, and Merge-Keystore -RemoveDistrusted takes it out.
/// </summary>
public sealed class DistrustTests(PsLab lab) : IClassFixture<PsLab>
{
    private static string Shared(string name) => Path.GetFullPath(Path.Combine(ShippedModule.RepoRoot, "tests", "Shared", "blocked", name));

    private static X509Certificate2 SharedCertificate(string name) => X509CertificateLoader.LoadCertificateFromFile(Shared(name));

    /// <summary>A CA certificate with the sample's public key, signed by a new lab CA: the blocklist matches the key, not the certificate.</summary>
    private static X509Certificate2 WithKeyOf(string sample, string subject)
    {
        using var ca = CertificateMint.Issue(new CertificateMint.Spec { Subject = $"CN=Issuer of {subject}, O=CertHeal Distrust Tests", IsCertificateAuthority = true });
        using var caKey = ca.GetECDsaPrivateKey()!;
        var request = new CertificateRequest(new X500DistinguishedName($"CN={subject}, O=CertHeal Distrust Tests"), SharedCertificate(sample).PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }

    private static void AssertRefusedAndNothingWritten(PsResult result, string path)
    {
        var change = result.Single();
        Assert.False(change.Value<bool>("Written"), result.Describe());
        var entry = Assert.Single(change.Items("Entries"));
        Assert.Equal("Skipped", entry.Value<object>("Action")!.ToString());
        Assert.Contains("carries a blocked key", entry.Value<string>("Reason"));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Merge_Keystore_never_writes_the_real_Superfish_root_pinned_with_TrustedFingerprint()
    {
        var path = Path.Combine(lab.NewFolder(), "pinned.pem");
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Path, $File, $Pin) Merge-Keystore -Path $Path -Certificate $File -TrustPolicy Pinned -TrustedFingerprint $Pin",
            new() { ["Path"] = path, ["File"] = Shared("superfish.pem"), ["Pin"] = PsLab.Sha256(SharedCertificate("superfish.pem")) });

        AssertRefusedAndNothingWritten(result, path);
        Assert.Contains("Superfish", result.Single().Items("Entries")[0].Value<string>("Reason"));
    }

    [Fact]
    public void Merge_Keystore_TrustOnFirstUse_with_Force_never_writes_a_certificate_with_Superfishs_key()
    {
        var path = Path.Combine(lab.NewFolder(), "tofu.pem");
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Path, $Certificate) Merge-Keystore -Path $Path -Certificate $Certificate -TrustPolicy TrustOnFirstUse -Force",
            new() { ["Path"] = path, ["Certificate"] = WithKeyOf("superfish.pem", "Lab Superfish Key") });

        result.AssertNoErrors();
        AssertRefusedAndNothingWritten(result, path);
    }

    [Fact]
    public void Merge_Keystore_never_asks_the_ApprovalScript_about_a_blocked_key()
    {
        var path = Path.Combine(lab.NewFolder(), "approval.pem");
        using var ps = PsSession.Open(HostKind.Interactive);

        var result = ps.Run("""
            param($Path, $Certificate)
            $global:CertHealAsked = $false
            Merge-Keystore -Path $Path -Certificate $Certificate -TrustPolicy TrustOnFirstUse -ApprovalScript { $global:CertHealAsked = $true; $true }
            """, new() { ["Path"] = path, ["Certificate"] = WithKeyOf("dsdtestprovider.pem", "Lab DSD Key") });

        AssertRefusedAndNothingWritten(result, path);
        Assert.Empty(ps.Host!.Prompts);
        Assert.False(ps.Run("$global:CertHealAsked").Single().BaseObject is true, "the -ApprovalScript ran for a blocked key");
    }

    [Fact]
    public void Confirm_Keystore_reports_the_real_DSDTestProvider_root_and_RemoveDistrusted_takes_it_out()
    {
        var path = Path.Combine(lab.NewFolder(), "dsd.pem");
        File.WriteAllText(path, CertificateMint.ToPem(lab.Lab.Trusted.Root) + File.ReadAllText(Shared("dsdtestprovider.pem")));
        using var ps = PsSession.NoUi();

        var report = ps.Run("param($Path) Confirm-Keystore -Path $Path", new() { ["Path"] = path }).Single();
        var removal = ps.Run("param($Path) Merge-Keystore -Path $Path -RemoveDistrusted", new() { ["Path"] = path });
        var after = ps.Run("param($Path) Confirm-Keystore -Path $Path", new() { ["Path"] = path }).Single();

        Assert.False(report.Value<bool>("IsValid"));
        var finding = Assert.Single(report.Items("Findings"), f => f.Value<string>("Code") == "BlockedKey");
        Assert.Equal("Error", finding.Value<object>("Severity")!.ToString());
        Assert.Contains("-RemoveDistrusted", finding.Value<string>("Message"));
        removal.AssertNoErrors();
        var change = removal.Single();
        Assert.True(change.Value<bool>("Written"), removal.Describe());
        Assert.Equal(1, change.Value<int>("Removed"));
        Assert.True(File.Exists(path + ".bak"));
        Assert.DoesNotContain(after.Items("Findings"), f => f.Value<string>("Code") == "BlockedKey");
    }

    [Fact]
    public void Merge_Keystore_without_Certificate_or_RemoveDistrusted_says_what_it_needs()
    {
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Path) Merge-Keystore -Path $Path", new() { ["Path"] = Path.Combine(lab.NewFolder(), "none.pem") });

        Assert.Contains("-RemoveDistrusted", result.Error("CertHeal.NoCertificate").Exception.Message);
    }
}
