using System.Security.Cryptography.X509Certificates;
using CertHeal.Cli;
using CertHeal.Lab;

namespace CertHeal.Tests;

public sealed class ChainCliTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task Chain_out_writes_the_completed_chain_leaf_first_as_a_PEM_bundle()
    {
        await using var endpoint = fixture.Lab.StartLeafOnlyWithAia(out _);
        var bundle = Path.Combine(fixture.Lab.Folder, "bundle.pem");
        var stdout = new StringWriter();

        var code = await CliApp.RunAsync(["chain", endpoint.Target, "--keystore", fixture.Lab.WriteTrustedRootPem(), "--out", bundle], stdout, new StringWriter(), default);

        Assert.Equal(0, code);
        var written = new X509Certificate2Collection();
        written.ImportFromPemFile(bundle);
        Assert.Equal([endpoint.Presented[0].Thumbprint, fixture.Lab.Trusted.Intermediate.Thumbprint, fixture.Lab.Trusted.Root.Thumbprint],
            written.Select(c => c.Thumbprint));
        // The endpoint first (issue #21: a later merge validates against it), then a comment above each block.
        Assert.StartsWith($"# certheal-endpoint: {endpoint.Target}\n# CN=", File.ReadAllText(bundle));
        Assert.Contains("Aia", stdout.ToString());
    }

    [Fact]
    public async Task Chain_json_and_stdout_bundle()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.UntrustedRoot);
        var json = new StringWriter();
        var pem = new StringWriter();

        Assert.Equal(0, await CliApp.RunAsync(["chain", endpoint.Target, "--json", "--no-aia"], json, new StringWriter(), default));
        Assert.Equal(0, await CliApp.RunAsync(["chain", endpoint.Target, "--out", "-", "--no-aia"], pem, new StringWriter(), default));

        var items = System.Text.Json.JsonDocument.Parse(json.ToString()).RootElement;
        Assert.Equal(3, items.GetArrayLength());
        Assert.Equal("Leaf", items[0].GetProperty("Role").GetString());
        Assert.Equal("Presented", items[2].GetProperty("Source").GetString());
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPem(pem.ToString());
        Assert.Equal(endpoint.Presented.Select(c => c.Thumbprint), bundle.Select(c => c.Thumbprint));
    }

    [Fact]
    public async Task Chain_of_a_closed_port_is_one_stderr_line_and_exit_1()
    {
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["chain", $"127.0.0.1:{LabListener.ClosedPort()}"], new StringWriter(), stderr, default);

        Assert.Equal(1, code);
        Assert.Contains("refused the connection", stderr.ToString());
    }
}
