using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Cli;
using CertHeal.Handshake;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Validation;

using CertHeal.Tests.Keystores;

namespace CertHeal.Tests.Validation;

/// <summary>Confirm-Keystore on real keystore files and lab endpoints, and the validation every merge runs before its rename.</summary>
public sealed class KeystoreValidationTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string Password = "changeit";

    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    private string Write(string name, params X509Certificate2[] certificates)
    {
        var path = NewPath(name);
        KeystoreTestKit.Add(path, null, certificates);
        return path;
    }

    [Fact]
    public async Task A_wrong_JKS_password_is_an_Integrity_error_and_the_entries_are_still_judged()
    {
        var (expired, _) = fixture.Lab.Material(LabScenario.Expired)!.Value;
        var path = Write("audit.jks", fixture.Lab.Trusted.Root, expired);

        var report = await KeystoreValidator.ValidateFileAsync(path, null, KeystorePassword.FromString("wrong"), new ValidationOptions(), default);

        Assert.False(report.IsValid);
        Assert.Equal("Jks", report.Format);
        Assert.Equal(2, report.EntryCount);
        Assert.Contains(report.Findings, f => f.Code == FindingCodes.Integrity && f.Severity == FindingSeverity.Error);
        Assert.Contains(report.Findings, f => f.Code == FindingCodes.Expired);
        Assert.DoesNotContain(report.Findings, f => f.Message.Contains("wrong", StringComparison.Ordinal) && f.Code != FindingCodes.Integrity);
    }

    [Fact]
    public async Task A_keystore_with_one_corrupt_entry_yields_a_report_for_the_rest_plus_Unreadable()
    {
        var path = Write("damaged.jks", fixture.Lab.Trusted.Root, fixture.Lab.Trusted.Intermediate);
        var bytes = File.ReadAllBytes(path);
        var der = fixture.Lab.Trusted.Intermediate.RawData;
        var at = bytes.AsSpan().IndexOf(der);
        Assert.True(at > 0);
        bytes[at] = 0x31; // no longer a DER SEQUENCE: the entry cannot parse, the file structure stays
        File.WriteAllBytes(path, bytes);

        var report = await KeystoreValidator.ValidateFileAsync(path, null, null, new ValidationOptions(), default);

        Assert.Equal(2, report.EntryCount);
        var unreadable = Assert.Single(report.Findings, f => f.Code == FindingCodes.Unreadable);
        Assert.Equal("certheal-lab-issuing-ca-1", unreadable.Alias);
        Assert.False(report.IsValid);
    }

    [Fact]
    public async Task Endpoints_are_handshaked_with_the_keystore_alone_and_a_failure_makes_it_invalid()
    {
        await using var good = fixture.Lab.Start(LabScenario.GoodChain);
        await using var untrusted = fixture.Lab.Start(LabScenario.UntrustedRoot);
        var path = Write("endpoints.pem", fixture.Lab.Trusted.Root);

        var ok = await KeystoreValidator.ValidateFileAsync(path, null, null, new ValidationOptions { Endpoints = [TlsTarget.Parse(good.Target)] }, default);
        var bad = await KeystoreValidator.ValidateFileAsync(path, null, null,
            new ValidationOptions { Endpoints = [TlsTarget.Parse(good.Target), TlsTarget.Parse(untrusted.Target)] }, default);

        Assert.True(ok.IsValid, string.Join("; ", ok.Findings.Select(f => f.Message)));
        Assert.True(Assert.Single(ok.Endpoints).Succeeded);
        Assert.Equal(path, ok.Endpoints[0].TrustedBy);
        Assert.False(bad.IsValid);
        Assert.Equal([good.Target, untrusted.Target], bad.Endpoints.Select(e => e.Target));
        Assert.Contains(bad.Findings, f => f.Code == FindingCodes.EndpointFailed && f.Message.Contains(untrusted.Target));
    }

    [Fact]
    public async Task A_merge_whose_candidate_fails_its_endpoints_leaves_the_keystore_byte_identical_and_one_that_passes_replaces_it()
    {
        await using var incomplete = fixture.Lab.StartLeafOnlyWithAia(out _);
        await using var untrusted = fixture.Lab.Start(LabScenario.UntrustedRoot);
        var path = Write("validated.pem", fixture.Lab.Trusted.Root);
        var original = File.ReadAllBytes(path);
        var options = new MergeOptions { System = fixture.Trust };
        IReadOnlyList<X509Certificate2> incoming = [fixture.Lab.Trusted.Intermediate];

        var refused = Assert.Throws<KeystoreException>(() =>
            KeystoreMerger.Merge(path, null, null, incoming, options, new SaveOptions(), [TlsTarget.Parse(untrusted.Target)]));
        Assert.Equal(KeystoreErrorKind.ValidationFailed, refused.Kind);
        Assert.Contains(untrusted.Target, refused.Message);
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));

        var accepted = KeystoreMerger.Merge(path, null, null, incoming, options, new SaveOptions(), [TlsTarget.Parse(incomplete.Target)]);

        Assert.True(accepted.Written);
        Assert.Equal(original, File.ReadAllBytes(path + ".bak"));
    }

    [Fact]
    public async Task Cli_confirm_exits_0_when_valid_1_when_not_2_on_usage_errors()
    {
        var (expired, _) = fixture.Lab.Material(LabScenario.Expired)!.Value;
        var valid = Write("valid.pem", fixture.Lab.Trusted.Root);
        var invalid = Write("invalid.pem", fixture.Lab.Trusted.Root, expired);

        Assert.Equal(0, await CliApp.RunAsync(["confirm", valid], new StringWriter(), new StringWriter(), default));
        var json = new StringWriter();
        Assert.Equal(1, await CliApp.RunAsync(["confirm", invalid, "--json"], json, new StringWriter(), default));
        Assert.Contains("\"Code\": \"Expired\"", json.ToString());
        Assert.Equal(2, await CliApp.RunAsync(["confirm"], new StringWriter(), new StringWriter(), default));
        Assert.Equal(2, await CliApp.RunAsync(["confirm", NewPath("missing.jks")], new StringWriter(), new StringWriter(), default));
    }

    [Fact]
    public async Task Cli_approval_command_decides_about_new_trust_anchors()
    {
        var (selfSigned, _) = fixture.Lab.Material(LabScenario.SelfSigned)!.Value;
        var certificate = NewPath("self.pem");
        File.WriteAllText(certificate, CertificateMint.ToPem(selfSigned));
        var denied = NewPath("denied.pem");
        var approved = NewPath("approved.pem");
        var fingerprint = CertificateFacts.Sha256Fingerprint(selfSigned);

        var no = await CliApp.RunAsync(["merge", denied, certificate, "--policy", "TrustOnFirstUse", "--approval-command", "exit 3"], new StringWriter(), new StringWriter(), default);
        var yes = await CliApp.RunAsync(["merge", approved, certificate, "--policy", "TrustOnFirstUse", "--approval-command", $"test \"$CERTHEAL_SHA256\" = {fingerprint}"], new StringWriter(), new StringWriter(), default);

        Assert.Equal(1, no);
        Assert.False(File.Exists(denied));
        Assert.Equal(0, yes);
        Assert.True(File.Exists(approved));
    }

    [Fact]
    public async Task Cli_confirm_on_the_system_CA_bundle_as_JKS_reports_the_expiring_and_SHA1_roots_openssl_counts()
    {
        const string cacerts = "/etc/ssl/certs/java/cacerts";
        Assert.True(File.Exists(cacerts), $"{cacerts} (made by ca-certificates-java from the system CA bundle with Java's keystore code) is missing; install default-jdk-headless.");
        const int days = 3650;
        var listing = await Tools.RunAsync("keytool", ["-list", "-rfc", "-keystore", cacerts, "-storepass", "changeit"]);
        Assert.Equal(0, listing.Code);
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(listing.Stdout);
        var expiring = 0;
        var sha1 = 0;
        foreach (var root in roots)
        {
            var pem = root.ExportCertificatePem();
            var check = await Tools.RunAsync("openssl", ["x509", "-noout", "-checkend", (days * 86400L).ToString(System.Globalization.CultureInfo.InvariantCulture)], stdin: pem);
            expiring += check.Code == 0 ? 0 : 1;
            var text = await Tools.RunAsync("openssl", ["x509", "-noout", "-text"], stdin: pem);
            sha1 += text.Stdout.Contains("Signature Algorithm: sha1WithRSAEncryption", StringComparison.Ordinal) ? 1 : 0;
        }

        var json = new StringWriter();
        var code = await CliApp.RunAsync(["confirm", cacerts, "--password", "changeit", "--expiring-within", days.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"], json, new StringWriter(), default);

        var report = System.Text.Json.JsonDocument.Parse(json.ToString()).RootElement[0];
        var findings = report.GetProperty("Findings").EnumerateArray().Select(f => f.GetProperty("Code").GetString()).ToList();
        Assert.Equal(roots.Count, report.GetProperty("EntryCount").GetInt32());
        Assert.True(expiring > 0 && sha1 > 0, $"the bundle should hold both kinds (expiring {expiring}, SHA-1 {sha1})");
        Assert.Equal(expiring, findings.Count(c => c is "ExpiringSoon" or "Expired"));
        Assert.Equal(sha1, findings.Count(c => c == "WeakSignature"));
        Assert.Equal(findings.Contains("Expired") ? 1 : 0, code);
    }
}

public sealed class RenewalAuditTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task RenewBefore_reports_an_entry_whose_successor_an_endpoint_already_presents()
    {
        await using var server = fixture.Lab.StartWithRenewedIntermediate(5, out var expiring, out _);
        var path = Path.Combine(fixture.Lab.Folder, "audit-renewal.pem");
        KeystoreFile.Update(path, null, null, k =>
        {
            k.Entries.Add(new KeystoreEntry { Alias = "root", EntryType = KeystoreEntryType.TrustedCertificate, Certificate = fixture.Lab.Trusted.Root });
            k.Entries.Add(new KeystoreEntry { Alias = "renewing", EntryType = KeystoreEntryType.TrustedCertificate, Certificate = expiring });
            return true;
        });
        var endpoints = new[] { TlsTarget.Parse(server.Target) };

        var without = await KeystoreValidator.ValidateFileAsync(path, null, null, new ValidationOptions { Endpoints = endpoints }, default);
        var with = await KeystoreValidator.ValidateFileAsync(path, null, null, new ValidationOptions { Endpoints = endpoints, RenewBeforeDays = 30 }, default);

        Assert.DoesNotContain(without.Findings, f => f.Code == FindingCodes.RenewalAvailable);
        var finding = Assert.Single(with.Findings, f => f.Code == FindingCodes.RenewalAvailable);
        Assert.Equal(expiring.Thumbprint, finding.Thumbprint);
        Assert.True(with.IsValid);
    }
}
