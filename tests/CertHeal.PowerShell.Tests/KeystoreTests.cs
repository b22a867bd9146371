using System.Diagnostics;
using System.Management.Automation;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// The keystore parameters #10 added, in a real runspace: -KeystorePassword / -KeystoreCredential
/// on the probe cmdlets (keytool's default PKCS#12 truststore encrypts its certificates),
/// -Pkcs12Encryption on Merge-Keystore, and a wrong password on a PKCS#12 without MAC refused.
/// </summary>
public sealed class KeystoreTests(PsLab lab) : IClassFixture<PsLab>
{
    private const string Password = "changeit";

    internal static async Task<string> Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout}{await stderr}");
        return await stdout + await stderr;
    }

    private async Task<string> KeytoolTruststore()
    {
        var path = Path.Combine(lab.NewFolder(), "truststore.p12");
        await Run("keytool", "-importcert", "-noprompt", "-alias", "lab-root", "-file", lab.TrustedRootPem, "-keystore", path, "-storetype", "PKCS12", "-storepass", Password);
        return path;
    }

    [Fact]
    public async Task Test_TlsHandshake_reads_an_encrypted_pkcs12_truststore_with_KeystorePassword_and_names_it_when_missing()
    {
        await using var endpoint = lab.Lab.Start(LabScenario.GoodChain);
        var truststore = await KeytoolTruststore();
        using var ps = PsSession.NoUi();

        var ok = ps.Run("param($Target, $Keystore, $Text) Test-TlsHandshake $Target -Keystore $Keystore -KeystorePassword (ConvertTo-SecureString $Text -AsPlainText -Force) -TimeoutSec 10",
            new() { ["Target"] = endpoint.Target, ["Keystore"] = truststore, ["Text"] = Password });
        var missing = ps.Run("param($Target, $Keystore) Test-TlsHandshake $Target -Keystore $Keystore -TimeoutSec 10",
            new() { ["Target"] = endpoint.Target, ["Keystore"] = truststore });

        ok.AssertNoErrors();
        Assert.True(ok.Single().Value<bool>("Succeeded"), ok.Single().Value<string>("Reason"));
        var error = missing.Error("CertHeal.KeystorePassword");
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains("-KeystorePassword", error.ErrorDetails.Message);
        Assert.DoesNotContain("-Password or", error.ErrorDetails.Message);
    }

    [Fact]
    public async Task Get_ServerCertificateChain_takes_the_truststore_password_as_a_credential()
    {
        await using var endpoint = lab.Lab.Start(LabScenario.GoodChain);
        var truststore = await KeytoolTruststore();
        using var ps = PsSession.NoUi();

        var result = ps.Run("""
            param($Target, $Keystore, $Text)
            $credential = [pscredential]::new('ignored', (ConvertTo-SecureString $Text -AsPlainText -Force))
            Get-ServerCertificateChain $Target -Keystore $Keystore -KeystoreCredential $credential -NoAia
            """, new() { ["Target"] = endpoint.Target, ["Keystore"] = truststore, ["Text"] = Password });

        result.AssertNoErrors();
        Assert.Contains(result.Output, c => c.Value<string>("Thumbprint") == lab.Lab.Trusted.Root.Thumbprint);
    }

    [Fact]
    public async Task Invoke_HealedRequest_opens_an_encrypted_pkcs12_truststore_with_KeystorePassword_its_Password_alias_or_KeystoreCredential()
    {
        await using var endpoint = lab.Lab.Start(LabScenario.GoodChain);
        var truststore = await KeytoolTruststore();
        using var ps = PsSession.NoUi();

        var result = ps.Run("""
            param($Uri, $Keystore, $Text)
            $pw = ConvertTo-SecureString $Text -AsPlainText -Force
            (Invoke-HealedRequest $Uri -Keystore $Keystore -KeystorePassword $pw -TimeoutSec 10).StatusCode
            (Invoke-HealedRequest $Uri -Keystore $Keystore -Password $pw -TimeoutSec 10).StatusCode
            (Invoke-HealedRequest $Uri -Keystore $Keystore -KeystoreCredential ([pscredential]::new('ignored', $pw)) -TimeoutSec 10).StatusCode
            """, new() { ["Uri"] = $"https://127.0.0.1:{endpoint.Port}/", ["Keystore"] = truststore, ["Text"] = Password });
        var missing = ps.Run("param($Uri, $Keystore) Invoke-HealedRequest $Uri -Keystore $Keystore -TimeoutSec 10 -WhatIf",
            new() { ["Uri"] = $"https://127.0.0.1:{endpoint.Port}/", ["Keystore"] = truststore });

        result.AssertNoErrors();
        Assert.Equal([200, 200, 200], result.Output.Select(o => (int)o.BaseObject));
        Assert.Equal(ErrorCategory.AuthenticationError, missing.Error("CertHeal.KeystorePassword").CategoryInfo.Category);
    }

    [Fact]
    public async Task Merge_Keystore_Pkcs12Encryption_Legacy_makes_a_3des_pkcs12_that_openssl_and_keytool_read()
    {
        var path = Path.Combine(lab.NewFolder(), "legacy.p12");
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Path, $Text, $Pem) Merge-Keystore -Path $Path -Password (ConvertTo-SecureString $Text -AsPlainText -Force) -Certificate $Pem -TrustPolicy TrustOnFirstUse -Pkcs12Encryption Legacy -Force -SkipValidation",
            new() { ["Path"] = path, ["Text"] = Password, ["Pem"] = lab.TrustedRootPem });

        result.AssertNoErrors();
        Assert.Equal(1, result.Single().Value<int>("Added"));
        var info = await Run("openssl", "pkcs12", "-info", "-in", path, "-passin", "pass:" + Password, "-nokeys");
        Assert.Contains("pbeWithSHA1And3-KeyTripleDES-CBC", info);
        Assert.Contains("MAC: sha1", info);
        Assert.Contains("trustedCertEntry", await Run("keytool", "-list", "-keystore", path, "-storetype", "PKCS12", "-storepass", Password));
    }

    [Fact]
    public async Task Merge_Keystore_with_a_wrong_password_into_a_pkcs12_without_mac_is_refused_and_leaves_it_as_it_was()
    {
        var folder = lab.NewFolder();
        var leaf = lab.Lab.Trusted.IssueLeaf(new LeafSpec { DnsNames = ["srv.example"] });
        var crt = Path.Combine(folder, "srv.crt");
        var key = Path.Combine(folder, "srv.key");
        CertificateMint.WritePemWithKey(leaf, crt, key);
        var path = Path.Combine(folder, "nomac.p12");
        await Run("openssl", "pkcs12", "-export", "-nomac", "-in", crt, "-inkey", key, "-name", "srv", "-out", path, "-passout", "pass:" + Password);
        var before = await File.ReadAllBytesAsync(path);
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Path, $Text, $Pem) Merge-Keystore -Path $Path -Password (ConvertTo-SecureString $Text -AsPlainText -Force) -Certificate $Pem -TrustPolicy TrustOnFirstUse -Force -SkipValidation",
            new() { ["Path"] = path, ["Text"] = "wrong-password", ["Pem"] = lab.TrustedRootPem });

        var error = result.Error("CertHeal.KeystorePassword");
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public void Confirm_Keystore_says_an_empty_keystore_is_empty()
    {
        var path = Path.Combine(lab.NewFolder(), "empty.pem");
        File.WriteAllBytes(path, []);
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Path) Confirm-Keystore -Path $Path", new() { ["Path"] = path });

        result.AssertNoErrors();
        var report = result.Single();
        Assert.True(report.Value<bool>("IsValid"));
        Assert.Contains(report.Items("Findings"), f => f.Value<string>("Code") == "Empty" && f.Value<string>("Message").Contains("empty", StringComparison.Ordinal));
    }
}
