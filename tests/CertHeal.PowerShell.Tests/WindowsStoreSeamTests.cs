using System.Security.Cryptography.X509Certificates;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Merge-Keystore names a Windows certificate store by its Cert:\ path, which the certificate
/// provider would otherwise rewrite (and pwsh on Linux cannot resolve); exercised through the
/// store's test seam, so the real store is never touched on Windows either.
/// </summary>
public sealed class WindowsStoreSeamTests(PsLab lab) : IClassFixture<PsLab>
{
    [Fact]
    public void Merge_Keystore_into_a_Cert_path_adds_the_certificate_to_that_store()
    {
        var root = lab.NewFolder();
        using var ps = PsSession.NoUi();

        var result = ps.Run("""
            param($Root, $Pem, $Ledger)
            $env:CERTHEAL_WINDOWS_STORE_ROOT = $Root
            try { Merge-Keystore -Path 'Cert:\CurrentUser\Root' -Certificate $Pem -TrustPolicy TrustOnFirstUse -Force -SkipValidation -LedgerPath $Ledger | Out-Null }
            finally { $env:CERTHEAL_WINDOWS_STORE_ROOT = $null }
            """, new() { ["Root"] = root, ["Pem"] = lab.TrustedRootPem, ["Ledger"] = Path.Combine(root, "ledger.json") });

        result.AssertNoErrors();
        var file = Assert.Single(Directory.GetFiles(Path.Combine(root, "CurrentUser", "Root"), "*.der"));
        using var expected = X509Certificate2.CreateFromPem(File.ReadAllText(lab.TrustedRootPem));
        Assert.Equal(expected.RawData, File.ReadAllBytes(file));
    }
}
