using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Lab;
using CertHeal.Trust;
using CertHeal.Trust.Distrust;

namespace CertHeal.Tests.Distrust;

/// <summary>
/// Issue #21: a blocked key anywhere in a path, or a distrusted root over a leaf issued after its
/// date, is a Distrusted problem first in precedence, for the families whose rule it is.
/// </summary>
public sealed class DistrustVerdictTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string Host = "distrust.lab.test";

    [Theory]
    [InlineData("superfish.pem", DistrustLab.SuperfishSpki, "Superfish")]
    [InlineData("dsdtestprovider.pem", DistrustLab.DsdTestProviderSpki, "DSDTestProvider")]
    public void The_built_in_list_blocks_the_public_samples_and_any_certificate_with_their_key(string file, string spki, string what)
    {
        var sample = DistrustLab.Shared(file);
        var relabelled = DistrustLab.WithKeyOf(sample, "CN=Not Really Anyone, O=CertHeal Distrust Tests", DistrustLab.NewCa("relabel-ca"));

        Assert.Equal(spki, SubjectKeyHash.Of(sample));
        Assert.Equal(spki, SubjectKeyHash.Of(relabelled));
        Assert.NotEqual(CertificateFacts.Sha256Fingerprint(sample), CertificateFacts.Sha256Fingerprint(relabelled));
        Assert.Contains(what, DistrustList.BuiltIn.Blocked(sample)!.What);
        Assert.Equal(spki, DistrustList.BuiltIn.Blocked(relabelled)!.SpkiSha256);
        Assert.Equal(79, DistrustList.BuiltIn.BlockedKeys.Count);
    }

    [Fact]
    public void The_built_in_roots_name_their_program_family_and_source()
    {
        var roots = DistrustList.BuiltIn.Roots;
        Assert.Contains(roots, r => r is { Program: "JDK", Family: ClientFamily.Java, Basis: DistrustBasis.NotBefore } && r.Subject.Contains("Entrust Root Certification Authority - G2")
            && r.DistrustAfterUtc == new DateTime(2024, 11, 11, 23, 59, 59, DateTimeKind.Utc) && r.Source.Contains("EntrustTLSPolicy.java"));
        Assert.Contains(roots, r => r is { Program: "Chrome", Family: ClientFamily.Browser, Basis: DistrustBasis.EarliestSct } && r.Source.Contains("sct_not_after_sec 1731369599"));
        Assert.All(roots, r => Assert.Equal(64, r.CertificateSha256.Length));
    }

    [Fact]
    public void The_distrusted_roots_this_machine_ships_match_the_subjects_the_list_records()
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile("/etc/ssl/certs/ca-certificates.crt");

        var named = bundle.Where(c => DistrustList.BuiltIn.DistrustOf(c).Any()).ToList();

        // Debian's bundle still carries the Entrust, AffirmTrust and Chunghwa roots (10 when this was written).
        Assert.True(named.Count >= 5, $"only {named.Count} distrusted roots found in the system bundle");
        Assert.All(named, root => Assert.All(DistrustList.BuiltIn.DistrustOf(root),
            rule => Assert.Contains(root.GetNameInfo(X509NameType.SimpleName, false), rule.Subject)));
    }

    [Fact]
    public void A_blocked_key_below_the_root_is_Distrusted_for_every_family_before_anything_else()
    {
        var root = DistrustLab.NewCa("blocked-path-root");
        var intermediate = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = "CN=Blocked Intermediate, O=CertHeal Distrust Tests", IsCertificateAuthority = true,
            NotBefore = DateTimeOffset.UtcNow.AddYears(-1), NotAfter = DateTimeOffset.UtcNow.AddYears(1),
        }, root);
        // Expired too: distrust still comes first.
        var leaf = DistrustLab.Leaf(intermediate, Host, DateTimeOffset.UtcNow.AddDays(-100));
        var anchors = TrustAnchors.FromCertificates("test", [root], isSystem: true);
        using var _ = DistrustList.Override(DistrustLab.Blocking(intermediate));

        var judgement = ChainVerdicts.Judge([leaf, intermediate], anchors, Host, DateTime.UtcNow);

        Assert.Equal(HandshakeFailure.Distrusted, judgement.Failure);
        Assert.Contains("'CN=Blocked Intermediate, O=CertHeal Distrust Tests' carries a blocked key", judgement.Reason);
        Assert.All(judgement.Clients, c => Assert.Equal((false, VerdictCheck.Distrust), (c.Accepts, c.Check)));
    }

    [Fact]
    public void Without_the_override_the_same_chain_is_trusted()
    {
        var root = DistrustLab.NewCa("unblocked-root");
        var leaf = DistrustLab.Leaf(root, Host, DateTimeOffset.UtcNow.AddDays(-1));
        var judgement = ChainVerdicts.Judge([leaf], TrustAnchors.FromCertificates("test", [root], isSystem: true), Host, DateTime.UtcNow);
        Assert.True(judgement.Trusted, judgement.Reason);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(-1, true)]
    public void A_distrust_after_rule_rejects_a_later_leaf_for_its_family_only(int daysAfterTheDate, bool accepted)
    {
        var root = DistrustLab.NewCa("jdk-distrusted-root");
        var date = DateTime.UtcNow.AddDays(-10);
        var leaf = DistrustLab.Leaf(root, Host, date.AddDays(daysAfterTheDate));
        using var _ = DistrustList.Override(DistrustLab.DistrustingAfter(root, ClientFamily.Java, date, DistrustBasis.NotBefore));

        var judgement = ChainVerdicts.Judge([leaf], TrustAnchors.FromCertificates("test", [root], isSystem: true), Host, DateTime.UtcNow);

        var java = judgement.Clients.Single(c => c.Client == ClientFamily.Java);
        Assert.Equal(accepted, java.Accepts);
        Assert.All(judgement.Clients.Where(c => c.Client != ClientFamily.Java), c => Assert.True(c.Accepts, c.Reason));
        Assert.Equal(accepted ? HandshakeFailure.None : HandshakeFailure.Distrusted, judgement.Failure);
        if (!accepted)
        {
            Assert.Equal(VerdictCheck.Distrust, java.Check);
            Assert.Contains("its notBefore", java.Reason);
            Assert.Contains($"after {date:yyyy-MM-dd}, the date after which JDK distrusts", java.Reason);
        }
    }

    [Fact]
    public void A_distrust_after_rule_for_Java_does_not_decide_a_PEM_store_that_only_OpenSSL_reads()
    {
        var root = DistrustLab.NewCa("pem-consumer-root");
        var date = DateTime.UtcNow.AddDays(-10);
        var leaf = DistrustLab.Leaf(root, Host, date.AddDays(2));
        using var _ = DistrustList.Override(DistrustLab.DistrustingAfter(root, ClientFamily.Java, date, DistrustBasis.NotBefore));

        var judgement = ChainVerdicts.Judge([leaf], TrustAnchors.FromCertificates("store.pem", [root], consumers: [ClientFamily.OpenSsl]), Host, DateTime.UtcNow);

        Assert.True(judgement.Trusted, judgement.Reason);
        Assert.False(judgement.Clients.Single(c => c.Client == ClientFamily.Java).Accepts);
    }

    [Theory]
    [InlineData(5, -5, true, "")]   // issued after the date, logged before it: Chrome keeps it
    [InlineData(-5, 5, false, "its earliest embedded SCT")]  // the SCT decides, not notBefore
    [InlineData(5, null, false, "no embedded SCT list, so its notBefore is used")]
    [InlineData(-5, null, true, "")]
    public void Chrome_judges_the_earliest_embedded_SCT_and_falls_back_to_notBefore(int notBeforeDays, int? sctDays, bool accepted, string how)
    {
        var root = DistrustLab.NewCa("chrome-constrained-root");
        var date = DateTime.UtcNow.AddDays(-20);
        var leaf = DistrustLab.Leaf(root, Host, date.AddDays(notBeforeDays), sctDays is { } d ? date.AddDays(d) : null);
        using var _ = DistrustList.Override(DistrustLab.DistrustingAfter(root, ClientFamily.Browser, date, DistrustBasis.EarliestSct));

        var judgement = ChainVerdicts.Judge([leaf], TrustAnchors.FromCertificates("test", [root], isSystem: true), Host, DateTime.UtcNow);

        var browser = judgement.Clients.Single(c => c.Client == ClientFamily.Browser);
        Assert.True(accepted == browser.Accepts, browser.Reason);
        Assert.Contains(how, browser.Reason);
        Assert.All(judgement.Clients.Where(c => c.Client != ClientFamily.Browser), c => Assert.True(c.Accepts, c.Reason));
    }

    [Fact]
    public async Task A_loopback_server_whose_chain_ends_in_a_blocked_root_is_Distrusted_not_healable_and_never_pinned()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.UntrustedRoot);
        var options = new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(5) };
        var before = await HandshakeProbe.ProbeAsync(TlsTarget.Parse(endpoint.Target), options, CancellationToken.None);
        Assert.Equal(RemedyKind.PinRoot, before.Remedy?.Kind);

        using var _ = DistrustList.Override(DistrustLab.Blocking(fixture.Lab.Untrusted.Root));
        var result = await HandshakeProbe.ProbeAsync(TlsTarget.Parse(endpoint.Target), options, CancellationToken.None);

        Assert.Equal(HandshakeFailure.Distrusted, result.Failure);
        Assert.False(result.Succeeded);
        Assert.False(result.Healable);
        Assert.Null(result.Remedy);
        Assert.Null(result.Recommendation);
        Assert.Contains("carries a blocked key", result.Reason);
        Assert.DoesNotContain(CertificateFacts.Sha256Fingerprint(fixture.Lab.Untrusted.Root), result.Recommendation ?? "");
        Assert.All(result.ClientVerdicts, c => Assert.Equal((false, VerdictCheck.Distrust), (c.Accepts, c.Check)));
    }
}
