using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Endpoints travel with certificates (issue #21): Get-ServerCertificateChain -OutFile names the
/// endpoint in the bundle, and Merge-Keystore given that file path validates the candidate store
/// against it, so an expired leaf's intermediate is not written.
/// </summary>
public sealed class BundleEndpointTests(PsLab lab) : IClassFixture<PsLab>
{
    [Fact]
    public async Task Merge_Keystore_from_an_exported_bundle_of_an_expired_leaf_writes_nothing()
    {
        await using var endpoint = lab.Lab.Start(LabScenario.Expired);
        var folder = lab.NewFolder();
        var bundle = Path.Combine(folder, "x.pem");
        var store = Path.Combine(folder, "s.pem");
        File.Copy(lab.TrustedRootPem, store);
        var before = File.ReadAllBytes(store);
        using var ps = PsSession.NoUi();

        ps.Run("param($T, $F) Get-ServerCertificateChain $T -OutFile $F -NoAia -TimeoutSec 10 | Out-Null", new() { ["T"] = endpoint.Target, ["F"] = bundle });
        var merge = ps.Run("param($S, $F, $L) Merge-Keystore -Path $S -Certificate $F -LedgerPath $L",
            new() { ["S"] = store, ["F"] = bundle, ["L"] = Path.Combine(folder, "ledger.json") });

        Assert.Contains($"# certheal-endpoint: {endpoint.Target}", File.ReadAllText(bundle), StringComparison.Ordinal);
        var error = merge.Error("CertHeal.KeystoreValidationFailed");
        Assert.Contains(endpoint.Target, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(store));
        Assert.False(File.Exists(store + ".bak"));
    }
}
