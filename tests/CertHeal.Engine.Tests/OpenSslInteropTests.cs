using CertHeal.Cli;
using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests;

/// <summary>The probe and the CLI against a TLS stack we did not write: openssl s_server.</summary>
public sealed class OpenSslInteropTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task Probe_reads_an_openssl_server_exactly_as_it_reads_the_lab()
    {
        await using var good = await fixture.Lab.StartOpenSslAsync(LabScenario.GoodChain);
        await using var untrusted = await fixture.Lab.StartOpenSslAsync(LabScenario.UntrustedRoot);
        var options = new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(5) };

        var ok = await HandshakeProbe.ProbeAsync(TlsTarget.Parse(good.Target), options, default);
        var bad = await HandshakeProbe.ProbeAsync(TlsTarget.Parse(untrusted.Target), options, default);

        Assert.True(ok.Succeeded, ok.Reason);
        Assert.Equal(good.Presented.Select(c => c.Thumbprint), ok.PresentedChain.Select(c => c.Thumbprint));
        Assert.Equal(HandshakeFailure.UntrustedRoot, bad.Failure);
        Assert.Equal(untrusted.Presented.Select(c => c.Thumbprint), bad.PresentedChain.Select(c => c.Thumbprint));
    }

    [Fact]
    public async Task Cli_test_prints_the_failure_and_exits_1_for_an_untrusted_openssl_server()
    {
        await using var server = await fixture.Lab.StartOpenSslAsync(LabScenario.UntrustedRoot);

        var (code, stdout, _) = await CliProcess.RunAsync(["test", server.Target, "--timeout", "5"], fixture.Lab.WriteTrustedRootPem());

        Assert.Equal(1, code);
        Assert.Contains(server.Target, stdout);
        Assert.Contains("UntrustedRoot", stdout);
    }

    [Fact]
    public async Task Cli_test_prints_success_and_exits_0_for_a_trusted_openssl_server()
    {
        await using var server = await fixture.Lab.StartOpenSslAsync(LabScenario.GoodChain);

        var (code, stdout, stderr) = await CliProcess.RunAsync(["test", server.Target, "--timeout", "5"], fixture.Lab.WriteTrustedRootPem());

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("True", stdout);
        Assert.Contains("None", stdout);
    }

    [Fact]
    public async Task Cli_test_with_keystore_and_json_prints_pascal_case_objects()
    {
        await using var server = await fixture.Lab.StartOpenSslAsync(LabScenario.LeafOnly);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["test", server.Target, "--keystore", fixture.Lab.WriteTrustedRootPem("ks.pem"), "--json"], stdout, stderr, default);

        Assert.Equal(1, code);
        var json = System.Text.Json.JsonDocument.Parse(stdout.ToString()).RootElement;
        Assert.Equal("IncompleteChain", json[0].GetProperty("Failure").GetString());
        Assert.False(json[0].GetProperty("Succeeded").GetBoolean());
        Assert.True(json[0].GetProperty("Healable").GetBoolean());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", json[0].GetProperty("PresentedChain")[0].GetProperty("Pem").GetString());
    }

    [Theory]
    [InlineData("test")]
    [InlineData("test|bad host!")]
    [InlineData("test|localhost|--port|70000")]
    [InlineData("frobnicate")]
    [InlineData("test|localhost|--nope")]
    [InlineData("test|localhost|--keystore|/nonexistent/ks.pem")]
    public async Task Cli_usage_errors_exit_2_with_one_line_on_stderr(string joined)
    {
        var args = joined.Split('|');
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(args, stdout, stderr, default);

        Assert.Equal(2, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("certheal: ", lines[0]);
    }
}
