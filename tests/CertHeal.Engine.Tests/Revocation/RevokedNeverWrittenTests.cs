using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;
using CertHeal.Tests.Keystores;
using CertHeal.Trust;
using CertHeal.Validation;
using Xunit.Abstractions;

namespace CertHeal.Tests.Revocation;

/// <summary>
/// No policy and no consent writes a revoked certificate, in any store format; Confirm-Keystore
/// reports a revoked entry as an Error; `certheal test --revocation hard` fails on a revoked leaf.
/// </summary>
public sealed class RevokedNeverWrittenTests(ITestOutputHelper output) : IDisposable
{
    private readonly KeystoreTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    public static TheoryData<KeystoreFormat, TrustPolicy> Stores()
    {
        var data = new TheoryData<KeystoreFormat, TrustPolicy>();
        foreach (var format in new[] { KeystoreFormat.PemBundle, KeystoreFormat.Directory, KeystoreFormat.Pkcs12, KeystoreFormat.Jks })
        {
            data.Add(format, TrustPolicy.TrustOnFirstUse);
            data.Add(format, TrustPolicy.ChainToTrusted);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_revoked_leaf_or_intermediate_is_Skipped_and_never_written(KeystoreFormat format, TrustPolicy policy)
    {
        // Both revoked by their issuers' CRLs; the leaf also by OCSP would do, CRLs keep it one responder-free lab.
        await using var lab = await RevocationLab.CreateAsync(leafOcsp: Answer.None, leafCrl: Answer.Real, leafRevoked: true, intermediateRevoked: true,
            name: $"merge{format}{policy}");
        var path = _kit.NewPath(format switch { KeystoreFormat.Pkcs12 => "store.p12", KeystoreFormat.Jks => "store.jks", KeystoreFormat.Directory => "certs", _ => "store.pem" });
        if (format == KeystoreFormat.Directory)
        {
            Directory.CreateDirectory(path);
        }
        KeystoreTestKit.Add(path, format, [lab.Root]);
        using var password = KeystoreTestKit.Pw();

        // Every consent given: TOFU approves every anchor, -Force style; ChainToTrusted trusts the lab root.
        var change = KeystoreMerger.Merge(path, format, password, [lab.Leaf, lab.Intermediate], new MergeOptions
        {
            Policy = policy,
            System = lab.Trust,
            RemoveSuperseded = true,
            RevocationTimeout = TimeSpan.FromSeconds(2),
        }, new SaveOptions());

        foreach (var entry in change.Entries)
        {
            output.WriteLine($"{entry.Subject}: {entry.Action}: {entry.Reason}");
        }
        Assert.All(change.Entries, e => Assert.Equal(KeystoreChangeAction.Skipped, e.Action));
        Assert.All(change.Entries, e => Assert.Contains("it is revoked", e.Reason));
        Assert.Contains(change.Entries, e => e.Reason.Contains("according to the CRL"));
        var stored = KeystoreFile.Open(path, format, password).Entries.Where(e => e.Certificate is not null).Select(e => e.Certificate!.RawData).ToList();
        Assert.DoesNotContain(stored, raw => raw.AsSpan().SequenceEqual(lab.Leaf.RawData) || raw.AsSpan().SequenceEqual(lab.Intermediate.RawData));
    }

    [Fact]
    public async Task An_unknown_status_is_written_with_a_warning_under_soft_fail_and_skipped_under_hard_fail()
    {
        await using var lab = await RevocationLab.CreateAsync(leafOcsp: Answer.None, intermediateCrl: Answer.Closed, name: "unknownmerge");
        using var password = KeystoreTestKit.Pw();
        var soft = _kit.NewPath("soft.pem");
        var hard = _kit.NewPath("hard.pem");

        var written = KeystoreMerger.Merge(soft, KeystoreFormat.PemBundle, password, [lab.Intermediate],
            KeystoreTestKit.TrustOnFirstUse(), new SaveOptions());
        var refused = KeystoreMerger.Merge(hard, KeystoreFormat.PemBundle, password, [lab.Intermediate], new MergeOptions
        {
            Policy = TrustPolicy.TrustOnFirstUse,
            System = TrustAnchors.FromCertificates("none", []),
            Revocation = RevocationCheckMode.HardFail,
        }, new SaveOptions());

        Assert.Equal(KeystoreChangeAction.Added, written.Entries[0].Action);
        Assert.Contains("warning:", written.Entries[0].Reason);
        Assert.Equal(KeystoreChangeAction.Skipped, refused.Entries[0].Action);
        Assert.Contains("hard-fail", refused.Entries[0].Reason);
        Assert.False(File.Exists(hard) && File.ReadAllText(hard).Contains("BEGIN CERTIFICATE"));
    }

    [Fact]
    public async Task Confirm_reports_a_revoked_entry_as_an_Error()
    {
        await using var lab = await RevocationLab.CreateAsync(leafOcsp: Answer.None, intermediateRevoked: true, name: "confirm");
        var path = _kit.NewPath("confirm.pem");
        await File.WriteAllTextAsync(path, Lab.CertificateMint.ToPem(lab.Root) + Lab.CertificateMint.ToPem(lab.Intermediate));

        var report = await KeystoreValidator.ValidateFileAsync(path, KeystoreFormat.PemBundle, null, new ValidationOptions(), default);
        var off = await KeystoreValidator.ValidateFileAsync(path, KeystoreFormat.PemBundle, null, new ValidationOptions { Revocation = RevocationCheckMode.Off }, default);

        var finding = Assert.Single(report.Findings, f => f.Code == FindingCodes.Revoked);
        output.WriteLine(finding.Message);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.False(report.IsValid);
        Assert.Contains("confirm Intermediate", finding.Message);
        Assert.DoesNotContain(off.Findings, f => f.Code == FindingCodes.Revoked);
    }

    [Fact]
    public async Task A_healed_request_to_a_revoked_leaf_is_refused_and_Off_lets_it_through()
    {
        await using var lab = (await RevocationLab.CreateAsync(leafRevoked: true, name: "heal")).WithServer();
        var keystore = _kit.NewPath("heal.pem");
        await File.WriteAllTextAsync(keystore, Lab.CertificateMint.ToPem(lab.Root));
        var before = await File.ReadAllTextAsync(keystore);
        var spec = new CertHeal.Healing.RequestSpec { Uri = new Uri($"https://{lab.Target}/") };
        var none = TrustAnchors.FromCertificates("nothing", [], isSystem: true);

        var refused = await Assert.ThrowsAsync<CertHeal.Healing.HealingException>(() =>
            CertHeal.Healing.HealedRequest.SendAsync(spec, new CertHeal.Healing.HealingOptions { KeystorePath = keystore, System = none, Policy = TrustPolicy.TrustOnFirstUse }, default));
        var allowed = await CertHeal.Healing.HealedRequest.SendAsync(spec, new CertHeal.Healing.HealingOptions { KeystorePath = keystore, System = none, Revocation = RevocationCheckMode.Off }, default);

        output.WriteLine(refused.Message);
        Assert.Equal(HandshakeFailure.Revoked, refused.Handshake!.Failure);
        Assert.Equal(before, await File.ReadAllTextAsync(keystore));
        Assert.Equal(200, (int)allowed.StatusCode);
    }

    [Fact]
    public async Task Cli_test_with_hard_revocation_exits_1_with_Failure_Revoked()
    {
        await using var lab = (await RevocationLab.CreateAsync(leafRevoked: true, name: "cli")).WithServer();
        var roots = _kit.NewPath("roots.pem");
        await File.WriteAllTextAsync(roots, Lab.CertificateMint.ToPem(lab.Root));

        var (code, stdout, stderr) = await CliProcess.RunAsync(["test", lab.Target, "--keystore", roots, "--revocation", "hard", "--json"]);
        var (usage, _, usageError) = await CliProcess.RunAsync(["test", lab.Target, "--revocation", "sometimes"]);

        output.WriteLine(stdout + stderr);
        Assert.Equal(1, code);
        Assert.Contains("\"Failure\": \"Revoked\"", stdout);
        Assert.Contains("\"Revocation\": \"Revoked\"", stdout);
        Assert.Equal(2, usage);
        Assert.Contains("off, soft or hard", usageError);
    }
}
