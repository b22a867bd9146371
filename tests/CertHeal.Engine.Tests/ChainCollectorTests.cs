using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests;

public sealed class ChainCollectorTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private ChainOptions Options(AiaFetcher? aia = null, TlsProtocol? protocol = null) => new()
    {
        Probe = new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(5), Protocol = protocol },
        Aia = aia,
    };

    [Theory]
    [InlineData(LabScenario.GoodChain, null)]
    [InlineData(LabScenario.LeafOnly, null)]
    [InlineData(LabScenario.UntrustedRoot, null)]
    [InlineData(LabScenario.SelfSigned, null)]
    [InlineData(LabScenario.Expired, null)]
    [InlineData(LabScenario.NotYetValid, null)]
    [InlineData(LabScenario.NameMismatch, null)]
    [InlineData(LabScenario.ClientCertificateRequired, TlsProtocol.Tls12)]
    [InlineData(LabScenario.ClientCertificateRequired, TlsProtocol.Tls13)]
    [InlineData(LabScenario.Tls12Only, null)]
    [InlineData(LabScenario.Tls13Only, null)]
    public async Task The_presented_chain_is_captured_exactly_in_sent_order_with_one_handshake(LabScenario scenario, TlsProtocol? protocol)
    {
        await using var endpoint = fixture.Lab.Start(scenario);

        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(endpoint.Target), Options(protocol: protocol), default);

        var presented = report.Certificates.Where(c => c.Source == CertificateSource.Presented).ToList();
        Assert.Equal(endpoint.Presented.Select(c => c.Thumbprint), presented.Select(c => c.Thumbprint));
        Assert.Equal(Enumerable.Range(0, presented.Count), presented.Select(c => c.Position));
        Assert.Equal(CertificateRole.Leaf, report.Certificates[0].Role);
        Assert.All(report.Certificates, c => Assert.Equal(endpoint.Target, c.Target));
        Assert.Equal(1, endpoint.Connections);
    }

    [Fact]
    public async Task Good_chain_is_completed_with_the_trusted_root_from_the_system_set()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.GoodChain);

        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(endpoint.Target), Options(), default);

        Assert.True(report.Complete);
        Assert.Equal([CertificateRole.Leaf, CertificateRole.Intermediate, CertificateRole.Root], report.Certificates.Select(c => c.Role));
        Assert.Equal([CertificateSource.Presented, CertificateSource.Presented, CertificateSource.System], report.Certificates.Select(c => c.Source));
        Assert.Equal(fixture.Lab.Trusted.Root.Thumbprint, report.Certificates[2].Thumbprint);
        var leaf = report.Certificates[0];
        Assert.Equal(CertificateStatus.Valid, leaf.Status);
        Assert.InRange(leaf.DaysRemaining, 88, 90);
        Assert.Contains("localhost", leaf.DnsNames);
        Assert.Contains("127.0.0.1", leaf.DnsNames);
        Assert.Equal("ECDSA", leaf.KeyAlgorithm);
        Assert.Equal(256, leaf.KeySize);
        Assert.Equal("sha256ECDSA", leaf.SignatureAlgorithm);
        Assert.Equal(64, leaf.Sha256Fingerprint.Length);
        Assert.False(leaf.IsCertificateAuthority);
        Assert.True(report.Certificates[1].IsCertificateAuthority);
        Assert.True(report.Certificates[2].IsSelfSigned);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Incomplete_chain_is_completed_through_AIA_DER_or_PKCS7(bool pkcs7)
    {
        await using var endpoint = fixture.Lab.StartLeafOnlyWithAia(out var repository, pkcs7);
        using var aia = new AiaFetcher();

        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(endpoint.Target), Options(aia), default);

        Assert.Equal(HandshakeFailure.IncompleteChain, report.Handshake.Failure);
        Assert.True(report.Handshake.AiaWouldComplete);
        Assert.True(report.Complete);
        var fetched = Assert.Single(report.Certificates, c => c.Source == CertificateSource.Aia);
        Assert.Equal(fixture.Lab.Trusted.Intermediate.Thumbprint, fetched.Thumbprint);
        Assert.Equal(CertificateRole.Intermediate, fetched.Role);
        Assert.Equal(1, fetched.Position);
        Assert.Equal(CertificateSource.System, report.Certificates[^1].Source);
        Assert.Equal(1, repository.Hits(pkcs7 ? "issuing-ca.p7c" : "issuing-ca.cer"));
    }

    [Fact]
    public async Task NoAia_leaves_the_incomplete_chain_as_sent()
    {
        await using var endpoint = fixture.Lab.StartLeafOnlyWithAia(out var repository);

        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(endpoint.Target), Options(aia: null), default);

        Assert.False(report.Complete);
        Assert.Single(report.Certificates);
        Assert.Equal(0, repository.Hits("issuing-ca.cer"));
    }

    [Fact]
    public async Task The_probe_reports_whether_AIA_would_complete_an_incomplete_chain()
    {
        await using var endpoint = fixture.Lab.StartLeafOnlyWithAia(out _);
        await using var plain = fixture.Lab.Start(LabScenario.LeafOnly);
        using var aia = new AiaFetcher();
        var options = new ProbeOptions { Trust = fixture.Trust, Aia = aia };

        var withAia = await HandshakeProbe.ProbeAsync(TlsTarget.Parse(endpoint.Target), options, default);
        var withoutUrl = await HandshakeProbe.ProbeAsync(TlsTarget.Parse(plain.Target), options, default);

        Assert.Equal(HandshakeFailure.IncompleteChain, withAia.Failure);
        Assert.True(withAia.AiaWouldComplete);
        Assert.Equal(HandshakeFailure.IncompleteChain, withoutUrl.Failure);
        Assert.False(withoutUrl.AiaWouldComplete);
    }

    [Fact]
    public async Task Duplicates_reversed_order_and_unrelated_certificates_are_shown_as_sent_and_flagged()
    {
        var lab = fixture.Lab;
        var leaf = lab.Trusted.IssueLeaf(new LeafSpec());
        await using var endpoint = lab.StartServing(LabScenario.GoodChain, leaf,
            [lab.Untrusted.Intermediate, lab.Trusted.Root, lab.Trusted.Intermediate, lab.Trusted.Intermediate]);

        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(endpoint.Target), Options(), default);

        Assert.Equal(endpoint.Presented.Select(c => c.Thumbprint), report.Certificates.Select(c => c.Thumbprint));
        Assert.Equal(CertificateStatus.Unrelated, report.Certificates[1].Status);
        Assert.Null(report.Certificates[2].Note); // the root, sent before its intermediate
        Assert.Contains("out of order", report.Certificates[3].Note);
        Assert.Equal(CertificateStatus.Duplicate, report.Certificates[4].Status);
        Assert.Contains("position 3", report.Certificates[4].Note);
        Assert.True(report.Complete);
    }

    [Fact]
    public async Task The_chain_equals_what_openssl_s_client_showcerts_prints()
    {
        await using var server = await fixture.Lab.StartOpenSslAsync(LabScenario.UntrustedRoot);

        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(server.Target), Options(), default);
        var openssl = await Tools.RunAsync("openssl", ["s_client", "-connect", server.Target, "-showcerts", "-servername", "localhost"], stdin: "");

        var fromOpenSsl = new X509Certificate2Collection();
        fromOpenSsl.ImportFromPem(openssl.Stdout);
        Assert.Equal(3, fromOpenSsl.Count);
        Assert.Equal(fromOpenSsl.Select(c => c.Thumbprint), report.Certificates.Where(c => c.Source == CertificateSource.Presented).Select(c => c.Thumbprint));
        Assert.Equal(CertificateStatus.Untrusted, report.Certificates[2].Status);
    }

    [Fact]
    public async Task A_chain_certificate_rebuilt_from_its_Pem_alone_carries_the_same_certificate()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.GoodChain);
        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(endpoint.Target), Options(), default);

        var json = System.Text.Json.JsonSerializer.Serialize(report.Certificates);
        var rebuilt = System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(e => CertificateInput.FromPem(e.GetProperty("Pem").GetString()!)).ToList();

        Assert.Equal(report.Certificates.Select(c => c.Certificate!.RawData), rebuilt.Select(c => c.RawData));
        Assert.Equal(report.Certificates.Select(c => c.Thumbprint), rebuilt.Select(c => c.Thumbprint));
    }
}
