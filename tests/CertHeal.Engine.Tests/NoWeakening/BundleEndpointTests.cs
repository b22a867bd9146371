using System.Globalization;
using CertHeal.Chains;
using CertHeal.Cli;
using CertHeal.Lab;

namespace CertHeal.Tests.NoWeakening;

/// <summary>
/// `certheal chain --out` names its endpoint in comment lines before the blocks; the file is still
/// a bundle openssl, keytool and curl read, and `certheal merge` validates against that endpoint.
/// </summary>
public sealed class BundleEndpointTests
{
    [Fact]
    public async Task An_exported_bundle_names_its_endpoint_and_stays_a_bundle_for_openssl_keytool_and_curl()
    {
        Handshake.RealClients.Require("openssl", "curl", "keytool");
        var work = Directory.CreateTempSubdirectory("noweaken-bundle-").FullName;
        try
        {
            using var root = LabChainMint.Root("NoWeakening Bundle Root");
            using var ca = LabChainMint.Issue(new LabChainMint.Spec { Subject = "CN=NoWeakening Bundle CA", Ca = true }, root);
            using var leaf = LabChainMint.Issue(new LabChainMint.Spec { Subject = "CN=NoWeakening Bundle leaf" }, ca);
            await using var server = await OpenSslServer.StartAsync(work, leaf, [LabChainMint.Public(ca)]);
            var target = $"127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}";
            var bundle = Path.Combine(work, "x.pem");

            var (code, _, stderr) = await Run(["chain", target, "--out", bundle]);

            Assert.True(File.Exists(bundle), $"exit {code}: {stderr}");
            var text = await File.ReadAllTextAsync(bundle);
            Assert.StartsWith($"# certheal-endpoint: {target}\n", text, StringComparison.Ordinal);
            Assert.Equal(target, Assert.Single(BundleEndpoints.Read(text)).Display);
            var (storeCode, storeOut, storeErr) = await Tools.RunAsync("openssl", ["storeutl", "-noout", "-certs", bundle]);
            Assert.True(storeCode == 0 && storeOut.Contains("Total found: 2", StringComparison.Ordinal), storeOut + storeErr);
            var (keytoolCode, keytoolOut, keytoolErr) = await Tools.RunAsync("keytool", ["-printcert", "-file", bundle]);
            Assert.True(keytoolCode == 0 && keytoolOut.Contains("Certificate[2]", StringComparison.Ordinal), keytoolOut + keytoolErr);
            var jks = Path.Combine(work, "imported.jks");
            var (importCode, importOut, importErr) = await Tools.RunAsync("keytool",
                ["-importcert", "-noprompt", "-alias", "bundle", "-file", bundle, "-keystore", jks, "-storetype", "JKS", "-storepass", "changeit"], timeoutSeconds: 120);
            Assert.True(importCode == 0, importOut + importErr);
            // curl reads it as a CA file (partial-chain trust anchors at the CA in it).
            var (curlCode, _, curlErr) = await Tools.RunAsync("curl", ["-sS", "-o", "/dev/null", "--max-time", "15", "--cacert", bundle, $"https://{target}/"]);
            Assert.True(curlCode == 0, curlErr);

            // The merge validates against the named endpoint and writes when the endpoint handshakes.
            var store = Path.Combine(work, "s.pem");
            await File.WriteAllTextAsync(store, root.ExportCertificatePem() + "\n");
            var (mergeCode, mergeOut, mergeErr) = await Run(["merge", store, bundle, "--ledger", Path.Combine(work, "ledger.json")]);
            Assert.True(mergeCode == 0, mergeOut + mergeErr);
            Assert.Contains("1 added", mergeOut, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_merge_of_an_expired_leafs_bundle_writes_nothing_and_says_why_in_one_line()
    {
        var work = Directory.CreateTempSubdirectory("noweaken-expired-").FullName;
        try
        {
            using var root = LabChainMint.Root("NoWeakening Expired Root");
            using var ca = LabChainMint.Issue(new LabChainMint.Spec { Subject = "CN=NoWeakening Expired CA", Ca = true }, root);
            using var leaf = LabChainMint.Issue(new LabChainMint.Spec
            {
                Subject = "CN=NoWeakening Expired leaf", NotBefore = DateTimeOffset.UtcNow.AddDays(-30), NotAfter = DateTimeOffset.UtcNow.AddDays(-1),
            }, ca);
            await using var server = await OpenSslServer.StartAsync(work, leaf, [LabChainMint.Public(ca)]);
            var target = $"127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}";
            var bundle = Path.Combine(work, "x.pem");
            await Run(["chain", target, "--out", bundle]);
            var store = Path.Combine(work, "s.pem");
            await File.WriteAllTextAsync(store, root.ExportCertificatePem() + "\n");
            var before = await File.ReadAllBytesAsync(store);

            var (code, _, stderr) = await Run(["merge", store, bundle, "--ledger", Path.Combine(work, "ledger.json")]);

            Assert.Equal(1, code);
            Assert.Equal(before, await File.ReadAllBytesAsync(store));
            Assert.False(File.Exists(store + ".bak"));
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(target, line, StringComparison.Ordinal);
            Assert.Contains("expired", line, StringComparison.Ordinal);
            Assert.DoesNotContain("-SkipValidation", line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void Endpoint_lines_keep_the_server_name_and_the_STARTTLS_scheme()
    {
        ChainCertificate[] certificates =
        [
            new() { Target = "smtp://mail.example.test:25", ServerName = "relay.example.test" },
            new() { Target = "smtp://mail.example.test:25", ServerName = "relay.example.test" },
            new() { Target = "app.example.test:8443", ServerName = "app.example.test" },
        ];

        var text = BundleEndpoints.Comment(certificates);
        var read = BundleEndpoints.Read(text + "# CN=whatever (expires 2030-01-01)\n# certheal-endpoint: not a target at all\n");

        Assert.Equal("# certheal-endpoint: smtp://mail.example.test:25 (server name relay.example.test)\n# certheal-endpoint: app.example.test:8443\n", text);
        Assert.Equal(2, read.Count);
        Assert.Equal((CertHeal.Handshake.StartTlsProtocol.Smtp, "relay.example.test", 25), (read[0].StartTls, read[0].ServerName, read[0].Port));
        Assert.Equal(("app.example.test", 8443), (read[1].ServerName, read[1].Port));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> Run(string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await CliApp.RunAsync(args, stdout, stderr, default);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
