using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Cli;
using CertHeal.Handshake;
using CertHeal.Keystores;
using CertHeal.Lab;

namespace CertHeal.Tests.Merge;

/// <summary>Merge end to end: lab servers, real keystores, and the clients that must trust them afterwards.</summary>
public sealed class MergeTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string Password = "changeit";

    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    private MergeOptions Options(TrustPolicy policy = TrustPolicy.ChainToTrusted, bool removeSuperseded = false, params string[] pins) =>
        new() { Policy = policy, System = fixture.Trust, TrustedFingerprints = pins, RemoveSuperseded = removeSuperseded };

    private KeystoreChange Merge(string path, IEnumerable<X509Certificate2> certificates, MergeOptions? options = null, bool whatIf = false)
    {
        using var password = KeystorePassword.FromString(Password);
        return KeystoreMerger.Merge(path, null, password, certificates.ToList(), options ?? Options(), new SaveOptions { WhatIf = whatIf });
    }

    private async Task<IReadOnlyList<X509Certificate2>> CollectAsync(LabEndpoint endpoint) => await LabClients.CollectAsync(fixture, endpoint);

    [Theory]
    [InlineData("truststore.jks", "JKS")]
    [InlineData("truststore.p12", "PKCS12")]
    public async Task A_Java_client_that_failed_handshakes_after_the_intermediate_is_merged(string name, string type)
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out _);
        var path = NewPath(name);
        Assert.Equal(1, Merge(path, [fixture.Lab.Trusted.Root]).Added);

        var before = await JavaProbeAsync(server, path, type);
        var change = Merge(path, await CollectAsync(server));
        var after = await JavaProbeAsync(server, path, type);

        Assert.NotEqual(0, before.Code);
        Assert.Contains("FAILED", before.Stdout);
        Assert.True(change.Written);
        var added = Assert.Single(change.Entries, e => e.Action == KeystoreChangeAction.Added);
        Assert.Equal(fixture.Lab.Trusted.Intermediate.Thumbprint, added.Thumbprint);
        Assert.Contains(change.Entries, e => e.Action == KeystoreChangeAction.Unchanged && e.Thumbprint == fixture.Lab.Trusted.Root.Thumbprint);
        Assert.Contains(change.Entries, e => e.Action == KeystoreChangeAction.Skipped && !e.Refused); // the leaf: trusted through its issuer
        Assert.True(after.Code == 0, after.Stdout + after.Stderr);
        Assert.StartsWith("OK", after.Stdout);
    }

    [Fact]
    public async Task Curl_with_the_merged_PEM_handshakes_where_it_failed_before()
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out _);
        var path = NewPath("bundle.pem");
        Merge(path, [fixture.Lab.Trusted.Root]);
        string[] curl = ["--silent", "--show-error", "--max-time", "10", "--cacert", path, $"https://localhost:{server.Port}/"];

        var before = await Tools.RunAsync("curl", curl);
        Merge(path, await CollectAsync(server));
        var after = await Tools.RunAsync("curl", curl);

        Assert.NotEqual(0, before.Code);
        Assert.True(after.Code == 0, after.Stderr);
        Assert.Contains("certheal lab: tls ok", after.Stdout);
    }

    [Fact]
    public void Default_policy_refuses_a_new_root_and_an_attackers_self_signed_certificate_and_writes_nothing()
    {
        var path = NewPath("store.pem");
        Merge(path, [fixture.Lab.Trusted.Root]);
        var bytes = File.ReadAllBytes(path);
        var (leaf, _) = fixture.Lab.Material(LabScenario.GoodChain)!.Value;
        var attacker = CertificateMint.Issue(new CertificateMint.Spec { Subject = leaf.Subject, DnsNames = ["goodchain.certheal.test", "localhost"] });

        var change = Merge(path, [attacker, fixture.Lab.Untrusted.Intermediate, fixture.Lab.Untrusted.Root]);

        Assert.False(change.Written);
        Assert.Equal(3, change.Skipped);
        Assert.All(change.Entries, e => Assert.True(e.Refused, e.Reason));
        Assert.Contains(change.Entries, e => e.Reason.Contains("never adds a new root"));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void Pinned_adds_only_the_root_with_the_given_fingerprint_and_what_chains_to_it()
    {
        var path = NewPath("store.pem");
        var (selfSigned, _) = fixture.Lab.Material(LabScenario.SelfSigned)!.Value;
        var pin = CertificateFacts.Sha256Fingerprint(fixture.Lab.Untrusted.Root);

        var change = Merge(path, [fixture.Lab.Untrusted.Root, fixture.Lab.Untrusted.Intermediate, selfSigned], Options(TrustPolicy.Pinned, pins: pin));

        Assert.True(change.Written);
        Assert.Equal(2, change.Added);
        Assert.True(Assert.Single(change.Entries, e => e.Thumbprint == fixture.Lab.Untrusted.Root.Thumbprint).NewTrustAnchor);
        Assert.Equal(KeystoreChangeAction.Skipped, Assert.Single(change.Entries, e => e.Thumbprint == selfSigned.Thumbprint).Action);
    }

    [Fact]
    public void Merging_again_changes_nothing_and_rewrites_nothing()
    {
        var path = NewPath("store.jks");
        Merge(path, [fixture.Lab.Trusted.Root, fixture.Lab.Trusted.Intermediate]);
        var bytes = File.ReadAllBytes(path);
        var stamp = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);

        var change = Merge(path, [fixture.Lab.Trusted.Intermediate, fixture.Lab.Trusted.Root]);

        Assert.False(change.Written);
        Assert.Equal(2, change.Unchanged);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void An_expired_entry_is_replaced_in_place_by_its_renewal_and_the_bak_holds_the_previous_version()
    {
        var path = NewPath("store.pem");
        var now = DateTimeOffset.UtcNow;
        CertificateMint.Spec Rolled(DateTimeOffset notBefore, DateTimeOffset notAfter) => new() { Subject = "CN=Rolled Issuing CA", IsCertificateAuthority = true, NotBefore = notBefore, NotAfter = notAfter };
        var expired = CertificateMint.Issue(Rolled(now.AddYears(-2), now.AddDays(-1)), fixture.Lab.Trusted.Root);
        var renewed = CertificateMint.Issue(Rolled(now.AddDays(-2), now.AddYears(2)), fixture.Lab.Trusted.Root);
        using (var password = KeystorePassword.FromString(Password))
        {
            KeystoreFile.Update(path, null, password, k =>
            {
                k.Entries.Add(new KeystoreEntry { Alias = "rolled-issuing-ca", EntryType = KeystoreEntryType.TrustedCertificate, Certificate = expired });
                return true;
            });
        }
        var previous = File.ReadAllBytes(path);

        var change = Merge(path, [renewed]);

        var entry = Assert.Single(change.Entries);
        Assert.Equal(KeystoreChangeAction.Replaced, entry.Action);
        Assert.Equal("rolled-issuing-ca", entry.Alias);
        Assert.Equal(path + ".bak", change.BackupPath);
        Assert.Equal(previous, File.ReadAllBytes(path + ".bak"));
        var after = KeystoreFile.Open(path);
        Assert.Equal(renewed.Thumbprint, Assert.Single(after.TrustedEntries).Certificate!.Thumbprint);
    }

    [Fact]
    public void A_still_valid_entry_is_kept_beside_its_renewal_unless_RemoveSuperseded()
    {
        var now = DateTimeOffset.UtcNow;
        CertificateMint.Spec Spec(int years) => new() { Subject = "CN=Renewing CA", IsCertificateAuthority = true, NotBefore = now.AddDays(-1), NotAfter = now.AddYears(years) };
        var older = CertificateMint.Issue(Spec(1), fixture.Lab.Trusted.Root);
        var newer = CertificateMint.Issue(Spec(3), fixture.Lab.Trusted.Root);
        var keep = NewPath("keep.pem");
        var replace = NewPath("replace.pem");
        Merge(keep, [older]);
        Merge(replace, [older]);

        Assert.Equal(KeystoreChangeAction.Added, Merge(keep, [newer]).Entries[0].Action);
        Assert.Equal(KeystoreChangeAction.Replaced, Merge(replace, [newer], Options(removeSuperseded: true)).Entries[0].Action);
        Assert.Equal(2, KeystoreFile.Open(keep).TrustedEntries.Count());
        Assert.Equal(newer.Thumbprint, Assert.Single(KeystoreFile.Open(replace).TrustedEntries).Certificate!.Thumbprint);
    }

    [Fact]
    public void WhatIf_plans_and_writes_nothing()
    {
        var path = NewPath("store.pem");

        var change = Merge(path, [fixture.Lab.Trusted.Root], whatIf: true);

        Assert.True(change.WhatIf);
        Assert.Equal(1, change.Added);
        Assert.False(change.Written);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Cli_trust_on_first_use_is_refused_without_force_and_accepted_with_it()
    {
        var (selfSigned, _) = fixture.Lab.Material(LabScenario.SelfSigned)!.Value;
        var certificate = NewPath("self.pem");
        File.WriteAllText(certificate, CertificateMint.ToPem(selfSigned));
        var path = NewPath("tofu.pem");

        var refused = await CliProcess.RunAsync(["merge", path, certificate, "--policy", "TrustOnFirstUse"]);
        var existedAfterRefusal = File.Exists(path);
        var accepted = await CliProcess.RunAsync(["merge", path, certificate, "--policy", "TrustOnFirstUse", "--force", "--json"]);

        Assert.Equal(1, refused.Code);
        Assert.Contains("not confirmed", refused.Stdout);
        Assert.False(existedAfterRefusal);
        Assert.True(accepted.Code == 0, accepted.Stdout + accepted.Stderr);
        Assert.Contains(CertificateFacts.Sha256Fingerprint(selfSigned), accepted.Stdout);
        Assert.Equal(selfSigned.Thumbprint, Assert.Single(KeystoreFile.Open(path).TrustedEntries).Certificate!.Thumbprint);
    }

    [Fact]
    public async Task Two_processes_merging_different_certificates_into_one_keystore_both_end_up_in_it()
    {
        var path = NewPath("shared.jks");
        var files = new List<string>();
        var expected = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var ca = CertificateMint.Issue(new CertificateMint.Spec { Subject = $"CN=Concurrent CA {i}", IsCertificateAuthority = true }, fixture.Lab.Trusted.Root);
            var file = NewPath($"ca{i}.pem");
            File.WriteAllText(file, CertificateMint.ToPem(fixture.Lab.Trusted.Root) + CertificateMint.ToPem(ca));
            files.Add(file);
            expected.Add(ca.Thumbprint);
        }
        var roots = fixture.Lab.WriteTrustedRootPem("concurrent-roots.pem");

        var results = await Task.WhenAll(files.Select(f => CliProcess.RunAsync(["merge", path, f, "--password", Password], roots)));

        Assert.All(results, r => Assert.True(r.Code == 0, r.Stdout + r.Stderr));
        var thumbprints = KeystoreFile.Open(path, null, KeystorePassword.FromString(Password)).TrustedEntries.Select(e => e.Certificate!.Thumbprint).ToList();
        Assert.All(expected, t => Assert.Contains(t, thumbprints));
        Assert.Equal(5, thumbprints.Count);
    }

    [Fact]
    public async Task Chain_out_piped_into_merge_reads_PEM_from_stdin()
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out _);
        var path = NewPath("piped.pem");
        var pem = new StringWriter();
        var roots = fixture.Lab.WriteTrustedRootPem("piped-roots.pem");
        await CliApp.RunAsync(["chain", server.Target, "--keystore", roots, "--out", "-"], pem, new StringWriter(), default);

        var stdout = new StringWriter();
        var code = await CliApp.RunAsync(["merge", path, "-", "--json"], new StringReader(pem.ToString()), stdout, new StringWriter(), default);

        // The "system" here is the real machine, which does not trust the lab root: everything is refused.
        Assert.Equal(1, code);
        Assert.Contains("\"Skipped\": 3", stdout.ToString());
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("wrong-password")]
    public async Task A_bad_keystore_is_one_clear_error_and_stays_as_it_was(string kind)
    {
        var path = NewPath("bad.jks");
        if (kind == "corrupt")
        {
            File.WriteAllBytes(path, [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 9, 1, 2, 3]);
        }
        else
        {
            Merge(path, [fixture.Lab.Trusted.Root]);
        }
        var bytes = File.ReadAllBytes(path);
        var certificate = NewPath("int.pem");
        File.WriteAllText(certificate, CertificateMint.ToPem(fixture.Lab.Trusted.Intermediate));

        var result = await CliProcess.RunAsync(["merge", path, certificate, "--password", "not-the-password"]);

        Assert.Equal(2, result.Code);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(path, line);
        Assert.DoesNotContain("not-the-password", line);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    private static Task<(int Code, string Stdout, string Stderr)> JavaProbeAsync(LabEndpoint server, string keystore, string type) =>
        LabClients.JavaProbeAsync(server, keystore, type, Password);
}
