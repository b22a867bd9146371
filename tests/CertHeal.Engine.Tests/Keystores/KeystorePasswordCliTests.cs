using CertHeal.Cli;
using CertHeal.Lab;

namespace CertHeal.Tests.Keystores;

/// <summary>certheal test/chain --keystore with keytool's default PKCS#12 truststore (encrypted certificates): its password in the three forms, and errors in the CLI's own words.</summary>
public sealed class KeystorePasswordCliTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string Password = "changeit";

    private async Task<string> KeytoolTruststore()
    {
        var path = Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-truststore.p12");
        await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", "lab-root", "-file", fixture.Lab.WriteTrustedRootPem(Guid.NewGuid().ToString("N")[..6] + "-root.pem"),
            "-keystore", path, "-storetype", "PKCS12", "-storepass", Password);
        return path;
    }

    [Fact]
    public async Task Test_without_the_password_of_an_encrypted_pkcs12_names_the_cli_password_options()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.GoodChain);
        var truststore = await KeytoolTruststore();
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["test", endpoint.Target, "--keystore", truststore], new StringWriter(), stderr, default);

        Assert.Equal(CliApp.UsageError, code);
        Assert.Contains("--password-env", stderr.ToString());
        Assert.DoesNotContain("-Credential", stderr.ToString());
        Assert.Single(stderr.ToString().TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Test_and_chain_open_an_encrypted_pkcs12_truststore_with_its_password_from_env_file_or_argument()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.GoodChain);
        var truststore = await KeytoolTruststore();
        var variable = "CERTHEAL_TEST_PW_" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, Password);
        var file = Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-pw.txt");
        await File.WriteAllTextAsync(file, Password + "\n");
        try
        {
            string[][] forms = [["--password-env", variable], ["--password-file", file], ["--password", Password]];
            foreach (var form in forms)
            {
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                var code = await CliApp.RunAsync(["test", endpoint.Target, "--keystore", truststore, "--json", .. form], stdout, stderr, default);
                Assert.True(code == CliApp.Success, $"{form[0]}: {stderr}{stdout}");
                Assert.Contains("\"Succeeded\": true", stdout.ToString());
            }
            var chainOut = new StringWriter();
            var chainCode = await CliApp.RunAsync(["chain", endpoint.Target, "--keystore", truststore, "--password-env", variable, "--json"], chainOut, new StringWriter(), default);
            Assert.Equal(CliApp.Success, chainCode);
            Assert.Contains(fixture.Lab.Trusted.Root.Thumbprint, chainOut.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Merge_pkcs12_encryption_chooses_how_a_new_file_is_encrypted_and_a_missing_password_names_the_cli_options()
    {
        var path = Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-new.p12");
        var pem = fixture.Lab.WriteTrustedRootPem(Guid.NewGuid().ToString("N")[..6] + "-root.pem");
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["merge", path, pem, "--password", Password, "--pkcs12-encryption", "Aes", "--policy", "TrustOnFirstUse", "--force"], new StringWriter(), stderr, default);
        var missing = new StringWriter();
        var missingCode = await CliApp.RunAsync(["merge", path, pem, "--policy", "TrustOnFirstUse", "--force"], new StringWriter(), missing, default);

        Assert.True(code == CliApp.Success, stderr.ToString());
        var info = await KeystoreTestKit.Run("openssl", "pkcs12", "-info", "-nokeys", "-in", path, "-passin", "pass:" + Password);
        Assert.Contains("PBES2, PBKDF2, AES-256-CBC", info);
        Assert.Contains("MAC: sha256", info);
        Assert.Equal(CliApp.UsageError, missingCode);
        Assert.Contains("--password-file", missing.ToString());
        Assert.DoesNotContain("-Credential", missing.ToString());
    }
}
