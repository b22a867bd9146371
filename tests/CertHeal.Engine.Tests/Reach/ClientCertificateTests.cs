using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;

namespace CertHeal.Tests.Reach;

/// <summary>Mutual TLS from the CLI: --client-cert (PEM with key, PKCS#12 with the three password forms) on the lab's client-certificate server.</summary>
public sealed class ClientCertificateTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string P12Password = "client-p12-pass";

    private (string Roots, string Pem, string P12, string PasswordFile) Files()
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        var folder = fixture.Lab.Folder;
        var roots = Path.Combine(folder, $"mtls-roots-{id}.pem");
        File.WriteAllText(roots, CertificateMint.ToPem(fixture.Lab.Trusted.Root));
        using var client = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=certheal client", ClientAuth = true }, fixture.Lab.Trusted.Intermediate);
        var cert = Path.Combine(folder, $"client-{id}.crt");
        var key = Path.Combine(folder, $"client-{id}.key");
        CertificateMint.WritePemWithKey(client, cert, key);
        var pem = Path.Combine(folder, $"client-{id}.pem");
        File.WriteAllText(pem, File.ReadAllText(cert) + File.ReadAllText(key));
        var p12 = Path.Combine(folder, $"client-{id}.p12");
        File.WriteAllBytes(p12, client.Export(X509ContentType.Pkcs12, P12Password));
        var passwordFile = Path.Combine(folder, $"client-{id}.pass");
        File.WriteAllText(passwordFile, P12Password + "\n");
        return (roots, pem, p12, passwordFile);
    }

    [Fact]
    public async Task certheal_test_with_client_cert_succeeds_where_it_failed_with_ClientCertificateRequired()
    {
        await using var server = fixture.Lab.Start(LabScenario.ClientCertificateRequired);
        var (roots, pem, p12, passwordFile) = Files();
        string[] Test(params string[] more) => ["test", server.Target, "--keystore", roots, "--json", .. more];

        var without = await ReachProcess.CertHealAsync(Test());
        var withPem = await ReachProcess.CertHealAsync(Test("--client-cert", pem));
        var withP12Env = await ReachProcess.CertHealAsync(Test("--client-cert", p12, "--client-cert-password-env", "CERTHEAL_TEST_P12"),
            new Dictionary<string, string> { ["CERTHEAL_TEST_P12"] = P12Password });
        var withP12File = await ReachProcess.CertHealAsync(Test("--client-cert", p12, "--client-cert-password-file", passwordFile));
        var chain = await ReachProcess.CertHealAsync(["chain", server.Target, "--keystore", roots, "--client-cert", pem, "--json"]);
        var confirm = await ReachProcess.CertHealAsync(["confirm", roots, "--uri", server.Target, "--client-cert", p12, "--client-cert-password", P12Password, "--json"]);
        var confirmWithout = await ReachProcess.CertHealAsync(["confirm", roots, "--uri", server.Target, "--json"]);
        var wrongPassword = await ReachProcess.CertHealAsync(Test("--client-cert", p12, "--client-cert-password", "wrong"));

        Assert.Equal(1, without.Code);
        Assert.Contains("\"Failure\": \"ClientCertificateRequired\"", without.Stdout);
        Assert.True(withPem.Code == 0, withPem.Stdout + withPem.Stderr);
        Assert.True(withP12Env.Code == 0, withP12Env.Stdout + withP12Env.Stderr);
        Assert.True(withP12File.Code == 0, withP12File.Stdout + withP12File.Stderr);
        Assert.True(chain.Code == 0, chain.Stdout + chain.Stderr);
        Assert.True(confirm.Code == 0, confirm.Stdout + confirm.Stderr);
        Assert.Equal(1, confirmWithout.Code);
        Assert.Equal(2, wrongPassword.Code);
        Assert.Contains(p12, wrongPassword.Stderr);
        Assert.DoesNotContain("wrong", wrongPassword.Stderr.Replace(p12, ""));
        Assert.Single(wrongPassword.Stderr.Trim().Split('\n'));
    }
}
