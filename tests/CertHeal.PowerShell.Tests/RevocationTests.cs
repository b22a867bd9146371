using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>-RevocationCheck in a real runspace: a server whose intermediate its root's CRL revokes.</summary>
public sealed class RevocationTests(PsLab fixture) : IClassFixture<PsLab>
{
    [Fact]
    public async Task Test_TlsHandshake_RevocationCheck_fails_a_revoked_intermediate_and_Off_does_not_look()
    {
        await using var crls = new LabHttpServer();
        var root = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=PS Revocation Root", IsCertificateAuthority = true, Key = KeyKind.Rsa2048 });
        var intermediate = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = "CN=PS Revoked Intermediate", IsCertificateAuthority = true, CrlUrls = [crls.Url("root.crl")],
        }, root);
        var leaf = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=ps-revoked.certheal.test", IpAddresses = [IPAddress.Loopback] }, intermediate);
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(intermediate, DateTimeOffset.UtcNow.AddHours(-1), X509RevocationReason.CACompromise);
        crls.Map("root.crl", new LabHttpServer.Route(builder.Build(root, BigInteger.One, DateTimeOffset.UtcNow.AddHours(1), HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1), "application/pkix-crl"));
        await using var server = LabTlsServer.Start(new LabTlsServerOptions { Certificate = leaf, Chain = [intermediate] });
        var keystore = Path.Combine(fixture.NewFolder(), "root.pem");
        await File.WriteAllTextAsync(keystore, CertificateMint.ToPem(root));

        using var ps = PsSession.NoUi();
        var result = ps.Run("""
            param($Target, $Keystore)
            Test-TlsHandshake $Target -Keystore $Keystore -RevocationCheck HardFail
            Test-TlsHandshake $Target -Keystore $Keystore -RevocationCheck Off
            """, new() { ["Target"] = server.Target, ["Keystore"] = keystore });

        result.AssertNoErrors();
        Assert.Equal(2, result.Output.Count);
        Assert.Equal("Revoked", result.Output[0].Value<object>("Failure").ToString());
        Assert.Contains("cACompromise", result.Output[0].Value<string>("Reason"));
        Assert.True(result.Output[1].Value<bool>("Succeeded"), result.Output[1].Value<string>("Reason"));
        Assert.Equal(1, crls.Hits("root.crl"));
    }
}
