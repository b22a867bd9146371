using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Cli;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;
using CertHeal.Validation;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// A certificate whose validity is UTCTime without seconds (pyca x509/badasn1time.pem):
/// `openssl x509` and keytool read it, .NET's loader does not, OpenSSL's verifier rejects it.
/// CertHeal reads it through a canonical copy and writes, compares, hashes and verifies the
/// original bytes; it goes into Java stores and is skipped, with the reason, for OpenSSL ones.
/// </summary>
public sealed class NonCanonicalTimeTests(KeystoreTestKit kit, LabFixture lab) : IClassFixture<KeystoreTestKit>, IClassFixture<LabFixture>
{
    private const string Pw = KeystoreTestKit.Password;


    private string WritePem(byte[] der, string name = "badasn1time.pem")
    {
        var path = kit.NewPath(name);
        File.WriteAllText(path, NonCanonicalTimeCertificate.Pem(der));
        return path;
    }

    private static async Task<byte[]> KeytoolExport(string path, string storeType, string alias)
    {
        var pem = await KeystoreTestKit.Run("keytool", "-exportcert", "-rfc", "-alias", alias, "-keystore", path, "-storetype", storeType, "-storepass", Pw);
        return PemEncoding.TryFind(pem, out var fields) ? Convert.FromBase64String(pem[fields.Base64Data]) : [];
    }

    private async Task<byte[]> OpensslDer(string pemPath)
    {
        var der = kit.NewPath("out.der");
        await KeystoreTestKit.Run("openssl", "x509", "-in", pemPath, "-outform", "DER", "-out", der);
        return await File.ReadAllBytesAsync(der);
    }

    [Fact]
    public async Task Openssl_x509_and_keytool_read_it_while_dotnet_and_the_openssl_verifier_refuse_it()
    {
        var der = NonCanonicalTimeCertificate.Create("Bad Time Probe");
        var path = WritePem(der);

        var text = await KeystoreTestKit.Run("openssl", "x509", "-noout", "-text", "-in", path);
        Assert.Contains("Not Before: Jan  1 00:00:00 2025 GMT", text);
        Assert.Contains("Not After : Jan  1 00:00:00 2045 GMT", text);
        Assert.Contains("Bad Time Probe", await KeystoreTestKit.Run("keytool", "-printcert", "-file", path));
        Assert.Equal(der, await OpensslDer(path));
        var (code, stdout, stderr) = await Tools.RunAsync("openssl", ["verify", "-CAfile", path, path], timeoutSeconds: 60);
        Assert.NotEqual(0, code);
        Assert.Contains("format error in certificate's notBefore field", stdout + stderr);
        // Linux: the loader takes the bytes, then cannot convert the times; elsewhere it throws at once.
        Assert.ThrowsAny<CryptographicException>(() => X509CertificateLoader.LoadCertificate(der).NotBefore);
    }

    /// <summary>Why the merge puts it into Java stores only: end to end, Java trusts it as an anchor and OpenSSL does not.</summary>
    [Fact]
    public async Task A_java_client_trusts_it_from_a_jks_certheal_wrote_and_an_openssl_client_rejects_it()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = NonCanonicalTimeCertificate.Create("Bad Time Anchor", caKey);
        using var leaf = NonCanonicalTimeCertificate.IssueLeaf("Bad Time Anchor", caKey);
        await using var server = lab.Lab.StartServing(LabScenario.GoodChain, leaf, []);
        var pem = WritePem(der);
        var jks = kit.NewPath("anchor.jks");
        using (var pw = KeystoreTestKit.Pw())
        {
            Assert.Equal(1, KeystoreMerger.Merge(jks, null, pw, CertificateInput.FromFile(pem), KeystoreTestKit.TrustOnFirstUse(), new SaveOptions()).Added);
        }

        var java = await LabClients.JavaProbeAsync(server, jks, "JKS", Pw);
        var openssl = await Tools.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{server.Port}", "-CAfile", pem, "-verify_return_error", "-brief"], stdin: "", timeoutSeconds: 60);

        Assert.True(java.Code == 0, java.Stdout + java.Stderr);
        Assert.StartsWith("OK", java.Stdout);
        Assert.NotEqual(0, openssl.Code);
        Assert.Contains("format error in certificate's notBefore field", openssl.Stdout + openssl.Stderr);
    }

    [Fact]
    public void CertificateInput_reads_it_and_keeps_its_original_bytes_hashes_and_signature()
    {
        var der = NonCanonicalTimeCertificate.Create("Bad Time Input", rsa: true);
        var path = kit.NewPath("bundle.pem");
        File.WriteAllText(path, CertificateMint.ToPem(kit.Certificates[0]) + NonCanonicalTimeCertificate.Pem(der));
        var derPath = kit.NewPath("badasn1time.der");
        File.WriteAllBytes(derPath, der);

        var bundle = CertificateInput.FromFile(path);
        var single = Assert.Single(CertificateInput.FromFile(derPath));
        var fromPem = CertificateInput.FromPem(NonCanonicalTimeCertificate.Pem(der));

        Assert.Equal(2, bundle.Count);
        foreach (var certificate in new[] { bundle[1], single, fromPem })
        {
            Assert.Equal(der, NonCanonicalCertificate.Der(certificate));
            Assert.Equal(der, certificate.GetRawCertData());
            Assert.Equal(Convert.ToHexString(SHA1.HashData(der)), certificate.Thumbprint);
            Assert.Equal(KeystoreTestKit.Sha256(der), CertificateFacts.Sha256Fingerprint(certificate));
            Assert.Equal(new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), certificate.NotBefore.ToUniversalTime());
            Assert.Equal(new DateTime(2045, 1, 1, 0, 0, 0, DateTimeKind.Utc), certificate.NotAfter.ToUniversalTime());
            Assert.True(CertificateFacts.IsSelfSigned(certificate));
        }
        Assert.Equal(NonCanonicalTimeCertificate.Pem(der), NonCanonicalCertificate.Pem(single) + "\n");

        // The signature check is real: the same bytes with a damaged signature are not self-signed.
        var damaged = der.ToArray();
        damaged[^1] ^= 0x55;
        Assert.False(CertificateFacts.IsSelfSigned(CertificateInput.FromRawData(damaged)));
    }

    [Fact]
    public async Task Confirm_lists_it_with_a_warning_instead_of_unreadable_in_a_pem_bundle_and_a_keytool_jks()
    {
        var der = NonCanonicalTimeCertificate.Create("Bad Time Confirm");
        var pem = kit.NewPath("confirm.pem");
        File.WriteAllText(pem, CertificateMint.ToPem(kit.Certificates[0]) + NonCanonicalTimeCertificate.Pem(der));
        var jks = kit.NewPath("confirm.jks");
        await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", "bad-time", "-file", WritePem(der), "-keystore", jks, "-storetype", "JKS", "-storepass", Pw);

        foreach (var path in new[] { pem, jks })
        {
            using var pw = KeystoreTestKit.Pw();
            var report = await KeystoreValidator.ValidateFileAsync(path, null, pw, new ValidationOptions(), default);
            var entry = KeystoreFile.Open(path, null, pw).Entries.Single(e => e.Certificate?.Subject.Contains("Bad Time Confirm") == true);

            Assert.DoesNotContain(report.Findings, f => f.Code == FindingCodes.Unreadable);
            var finding = Assert.Single(report.Findings, f => f.Code == FindingCodes.NonCanonicalTime);
            Assert.Equal(FindingSeverity.Warning, finding.Severity);
            Assert.Contains("OpenSSL and Java accept it, .NET's loader does not", finding.Message);
            Assert.Equal(entry.Alias, finding.Alias);
            Assert.Equal(KeystoreEntryType.TrustedCertificate, entry.EntryType);
            Assert.Equal(der, NonCanonicalCertificate.Der(entry.Certificate!));
            Assert.True(report.IsValid, string.Join("; ", report.Findings.Select(f => f.Message)));
        }
    }

    [Fact]
    public void The_trust_ledger_records_the_original_bytes_so_a_sync_can_restore_the_certificate()
    {
        var der = NonCanonicalTimeCertificate.Create("Bad Time Ledger");
        var ledger = kit.NewPath("ledger.json");
        using var pw = KeystoreTestKit.Pw();
        var options = KeystoreTestKit.TrustOnFirstUse();

        var change = KeystoreMerger.Merge(kit.NewPath("recorded.jks"), null, pw, CertificateInput.FromFile(WritePem(der)),
            new MergeOptions { Policy = options.Policy, System = options.System, Recorder = new LedgerRecorder(ledger) }, new SaveOptions());

        Assert.Equal(1, change.Added);
        var entry = Assert.Single(TrustLedger.Read(ledger).Entries);
        Assert.Equal(KeystoreTestKit.Sha256(der), entry.Sha256Fingerprint);
        Assert.Equal(NonCanonicalTimeCertificate.Pem(der).Trim(), entry.Pem.Trim());
    }

    [Theory]
    [InlineData("JKS", "new.jks")]
    [InlineData("PKCS12", "new.p12")]
    public async Task Merge_into_a_java_store_writes_the_original_bytes_and_keeps_them_through_the_next_merge(string storeType, string name)
    {
        var der = NonCanonicalTimeCertificate.Create("Bad Time Java");
        var path = kit.NewPath(name);
        using var pw = KeystoreTestKit.Pw();

        var first = KeystoreMerger.Merge(path, null, pw, CertificateInput.FromFile(WritePem(der)), KeystoreTestKit.TrustOnFirstUse(), new SaveOptions());
        var alias = Assert.Single(first.Entries).Alias!;
        var second = KeystoreMerger.Merge(path, null, pw, [kit.Certificates[1], .. CertificateInput.FromFile(WritePem(der))], KeystoreTestKit.TrustOnFirstUse(), new SaveOptions());

        Assert.Equal(1, first.Added);
        Assert.Equal(KeystoreTestKit.Sha256(der), first.Entries[0].Sha256Fingerprint);
        Assert.Equal(1, second.Added);
        Assert.Equal(1, second.Unchanged);
        Assert.Contains("trustedCertEntry", await KeystoreTestKit.Run("keytool", "-list", "-keystore", path, "-storetype", storeType, "-storepass", Pw));
        Assert.Equal(der, await KeytoolExport(path, storeType, alias));
        if (storeType == "PKCS12")
        {
            var info = await KeystoreTestKit.Run("openssl", "pkcs12", "-in", path, "-nokeys", "-passin", "pass:" + Pw);
            Assert.Contains(NonCanonicalTimeCertificate.Pem(der).Trim(), info.Replace("\r", ""));
        }
    }

    [Theory]
    [InlineData("bundle.pem")]
    [InlineData("certs")]
    public void Merge_into_an_openssl_store_skips_it_naming_the_openssl_verifier(string name)
    {
        var der = NonCanonicalTimeCertificate.Create("Bad Time Skip");
        var path = kit.NewPath(name);
        if (name == "certs")
        {
            Directory.CreateDirectory(path);
        }
        File.WriteAllText(name == "certs" ? Path.Combine(path, "anchor.pem") : path, CertificateMint.ToPem(kit.Certificates[0]));
        using var pw = KeystoreTestKit.Pw();

        var change = KeystoreMerger.Merge(path, null, pw, CertificateInput.FromFile(WritePem(der)), KeystoreTestKit.TrustOnFirstUse(), new SaveOptions());

        var entry = Assert.Single(change.Entries);
        Assert.Equal(KeystoreChangeAction.Skipped, entry.Action);
        Assert.Contains("OpenSSL's verifier rejects it", entry.Reason);
        Assert.Contains("JKS or PKCS#12", entry.Reason);
        Assert.False(change.Written);
    }

    [Theory]
    [InlineData("PEM")]
    [InlineData("Directory")]
    [InlineData("JKS")]
    [InlineData("PKCS12")]
    public async Task An_existing_entry_stays_byte_for_byte_when_another_certificate_is_merged(string kind)
    {
        var der = NonCanonicalTimeCertificate.Create("Bad Time Existing", rsa: kind == "JKS");
        var original = WritePem(der);
        string path;
        switch (kind)
        {
            case "PEM":
                path = kit.NewPath("existing.pem");
                File.WriteAllText(path, NonCanonicalTimeCertificate.Pem(der));
                break;
            case "Directory":
                path = kit.NewPath("existing-certs");
                Directory.CreateDirectory(path);
                File.Copy(original, Path.Combine(path, "bad-time.pem"));
                break;
            default:
                path = kit.NewPath("existing." + (kind == "JKS" ? "jks" : "p12"));
                await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", "bad-time", "-file", original, "-keystore", path, "-storetype", kind, "-storepass", Pw);
                break;
        }
        using var pw = KeystoreTestKit.Pw();

        var change = KeystoreMerger.Merge(path, null, pw, [kit.Certificates[2]], KeystoreTestKit.TrustOnFirstUse(), new SaveOptions());

        Assert.True(change.Written);
        Assert.Equal(1, change.Added);
        var kept = kind switch
        {
            "PEM" => await OpensslDer(path),
            "Directory" => await OpensslDer(Path.Combine(path, "bad-time.pem")),
            _ => await KeytoolExport(path, kind, "bad-time"),
        };
        Assert.Equal(der, kept);
        if (kind == "PEM")
        {
            Assert.StartsWith(NonCanonicalTimeCertificate.Pem(der), File.ReadAllText(path));
        }
        var reread = KeystoreFile.Open(path, null, pw);
        Assert.Equal(2, reread.Entries.Count);
        Assert.Contains(reread.Entries, e => e.Certificate is { } c && NonCanonicalCertificate.Der(c).AsSpan().SequenceEqual(der));
    }

    [Fact]
    public async Task Certheal_merge_takes_it_as_input_into_a_jks()
    {
        var der = NonCanonicalTimeCertificate.Create("Bad Time Cli");
        var path = kit.NewPath("cli.jks");
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["merge", path, WritePem(der), "--password", Pw, "--policy", "TrustOnFirstUse", "--force"], new StringWriter(), stderr, default);

        Assert.True(code == CliApp.Success, stderr.ToString());
        var list = await KeystoreTestKit.Run("keytool", "-list", "-rfc", "-keystore", path, "-storetype", "JKS", "-storepass", Pw);
        Assert.Contains(NonCanonicalTimeCertificate.Pem(der).Trim(), list.Replace("\r", ""));
    }
}
