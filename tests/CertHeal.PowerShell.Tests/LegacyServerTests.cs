using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>Test-TlsHandshake against a TLS 1.0-only openssl s_server: -Protocol Tls10, CapturedBy and ClientVerdicts as a script sees them.</summary>
public sealed class LegacyServerTests(PsLab lab) : IClassFixture<PsLab>
{
    [Fact]
    public async Task Protocol_Tls10_names_tls_1_0_and_the_result_shows_the_bouncycastle_capture_and_verdicts()
    {
        var hierarchy = lab.Lab.Trusted;
        var leaf = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = "CN=legacy.certheal.test", Key = KeyKind.Rsa2048, DnsNames = ["localhost"], IpAddresses = [System.Net.IPAddress.Loopback],
        }, hierarchy.Intermediate);
        await using var server = await OpenSslServer.StartAsync(lab.Lab.Folder, leaf, [hierarchy.Intermediate], "-tls1 -cipher DEFAULT@SECLEVEL=0");
        using var ps = PsSession.NoUi();

        var result = ps.Run("""
            param($Target, $Keystore)
            $r = Test-TlsHandshake $Target -Protocol Tls10 -Keystore $Keystore -TimeoutSec 20
            $r
            $r.ClientVerdicts | Where-Object Client -eq 'Java'
            """, new() { ["Target"] = $"127.0.0.1:{server.Port}", ["Keystore"] = lab.TrustedRootPem });

        result.AssertNoErrors();
        Assert.Equal(2, result.Output.Count);
        var handshake = result.Output[0];
        Assert.Equal("ProtocolMismatch", handshake.Value("Failure")!.ToString());
        Assert.Equal("Tls", handshake.Value("RequestedProtocol")!.ToString());
        Assert.Equal("BouncyCastle", handshake.Value("CapturedBy")!.ToString());
        Assert.Equal(2, handshake.Items("PresentedChain").Count);
        Assert.Equal(4, handshake.Items("ClientVerdicts").Count);
        var java = result.Output[1];
        Assert.Equal("CertHeal.ClientVerdict", java.TypeName());
        Assert.False(java.Value<bool>("Accepts"));
        Assert.Equal("Protocol", java.Value("Check")!.ToString());
    }
}
