using System.Text.Json;
using CertHeal.Lab;

namespace CertHeal.Tests.Trust;

/// <summary>
/// A probe run of the real certheal process keeps the runtime's copy of the machine store empty
/// (MachineStoreBypass): everything that trusts the machine's roots must still trust them, through
/// the roots CertHeal reads itself. The process gets the lab root as its machine store (SSL_CERT_FILE).
/// </summary>
public sealed class ProbeRunMachineStoreTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task A_probe_run_trusts_the_machine_roots_for_the_server_it_tests()
    {
        await using var server = fixture.Lab.Start(LabScenario.GoodChain);

        var (code, stdout, stderr) = await CliProcess.RunAsync(["test", server.Target, "--no-aia", "--json"], fixture.Lab.WriteTrustedRootPem());

        Assert.True(code == 0, stdout + stderr);
        Assert.Equal("System", JsonDocument.Parse(stdout).RootElement[0].GetProperty("TrustedBy").GetString());
    }

    [Fact]
    public async Task A_probe_run_fetches_an_https_AIA_URL_whose_server_the_machine_roots_trust()
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out var repository, https: true);
        Assert.StartsWith("https://", repository.Url("issuing-ca.cer"));

        var (_, stdout, stderr) = await CliProcess.RunAsync(["test", server.Target, "--json"], fixture.Lab.WriteTrustedRootPem());

        var result = JsonDocument.Parse(stdout).RootElement[0];
        Assert.True(result.GetProperty("AiaWouldComplete").GetBoolean(), stdout + stderr);
        Assert.True(repository.Hits("issuing-ca.cer") >= 1);
    }

    [Fact]
    public async Task A_probe_run_does_not_fetch_over_https_from_a_server_the_machine_roots_do_not_trust()
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out var repository, https: true);
        using var stranger = LabHierarchy.Create("Not The Machine's");
        var roots = Path.Combine(Path.GetTempPath(), "certheal-other-root-" + Guid.NewGuid().ToString("N")[..8] + ".pem");
        File.WriteAllText(roots, stranger.Root.ExportCertificatePem() + "\n");
        try
        {
            var (_, stdout, stderr) = await CliProcess.RunAsync(["test", server.Target, "--json"], roots);

            var result = JsonDocument.Parse(stdout).RootElement[0];
            Assert.False(result.GetProperty("AiaWouldComplete").GetBoolean(), stdout + stderr);
        }
        finally
        {
            File.Delete(roots);
        }
    }
}
