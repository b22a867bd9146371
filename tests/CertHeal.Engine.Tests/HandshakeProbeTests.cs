using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests;

public sealed class HandshakeProbeTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private Task<HandshakeResult> Probe(LabEndpoint endpoint, TlsProtocol? protocol = null, X509Certificate2? clientCertificate = null, int timeoutSeconds = 5) =>
        HandshakeProbe.ProbeAsync(TlsTarget.Parse(endpoint.Target), new ProbeOptions
        {
            Trust = fixture.Trust,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            Protocol = protocol,
            ClientCertificate = clientCertificate,
        }, CancellationToken.None);

    [Theory]
    [InlineData(LabScenario.LeafOnly, HandshakeFailure.IncompleteChain, true)]
    [InlineData(LabScenario.UntrustedRoot, HandshakeFailure.UntrustedRoot, true)]
    [InlineData(LabScenario.SelfSigned, HandshakeFailure.SelfSigned, true)]
    [InlineData(LabScenario.Expired, HandshakeFailure.Expired, false)]
    [InlineData(LabScenario.NotYetValid, HandshakeFailure.NotYetValid, false)]
    [InlineData(LabScenario.NameMismatch, HandshakeFailure.NameMismatch, false)]
    [InlineData(LabScenario.ClientCertificateRequired, HandshakeFailure.ClientCertificateRequired, false)]
    [InlineData(LabScenario.PlainHttp, HandshakeFailure.NotTls, false)]
    [InlineData(LabScenario.ClosedPort, HandshakeFailure.ConnectionRefused, false)]
    public async Task Each_failing_scenario_is_classified_exactly(LabScenario scenario, HandshakeFailure expected, bool healable)
    {
        await using var endpoint = fixture.Lab.Start(scenario);

        var result = await Probe(endpoint);

        Assert.False(result.Succeeded, result.Reason);
        Assert.Equal(expected, result.Failure);
        Assert.Equal(healable, result.Healable);
        Assert.Contains(endpoint.Target, result.Reason);
        Assert.EndsWith(".", result.Reason);
        if (healable)
        {
            Assert.Equal(expected == HandshakeFailure.IncompleteChain ? RemedyKind.CollectAndMerge : RemedyKind.PinRoot, result.Remedy!.Kind);
            Assert.Equal(endpoint.Target, result.Remedy.Probe.Target);
            Assert.Contains(endpoint.Target, result.Recommendation);
        }
    }

    [Fact]
    public async Task Good_chain_succeeds_with_protocol_cipher_and_the_presented_chain_in_order()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.GoodChain);

        var result = await Probe(endpoint);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(HandshakeFailure.None, result.Failure);
        Assert.Equal("Tls13", result.Protocol);
        Assert.StartsWith("TLS_", result.CipherSuite);
        Assert.Equal("Lab roots", result.TrustedBy);
        Assert.Equal("127.0.0.1", result.Host);
        Assert.Equal(endpoint.Port, result.Port);
        Assert.StartsWith("127.0.0.1:", result.Address);
        Assert.Equal(endpoint.Presented.Select(c => c.Thumbprint), result.PresentedChain.Select(c => c.Thumbprint));
        Assert.Equal([CertificateRole.Leaf, CertificateRole.Intermediate], result.PresentedChain.Select(c => c.Role));
        Assert.All(result.PresentedChain, c => Assert.Equal(CertificateSource.Presented, c.Source));
        Assert.Equal([0, 1], result.PresentedChain.Select(c => c.Position));
        Assert.True(result.ConnectTime > TimeSpan.Zero);
        Assert.True(result.HandshakeTime > TimeSpan.Zero);
        Assert.False(result.Healable);
        Assert.Null(result.Recommendation);
    }

    [Theory]
    [InlineData(LabScenario.Tls12Only, "Tls12")]
    [InlineData(LabScenario.Tls13Only, "Tls13")]
    public async Task Version_limited_servers_negotiate_their_version(LabScenario scenario, string protocol)
    {
        await using var endpoint = fixture.Lab.Start(scenario);

        var result = await Probe(endpoint);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(protocol, result.Protocol);
    }

    [Fact]
    public async Task Requesting_a_version_the_server_refuses_is_a_protocol_mismatch()
    {
        await using var tls12 = fixture.Lab.Start(LabScenario.Tls12Only);
        await using var tls13 = fixture.Lab.Start(LabScenario.Tls13Only);

        var only13 = await Probe(tls12, TlsProtocol.Tls13);
        var only12 = await Probe(tls13, TlsProtocol.Tls12);

        Assert.Equal(HandshakeFailure.ProtocolMismatch, only13.Failure);
        Assert.Contains("TLS 1.3", only13.Reason);
        Assert.Equal(HandshakeFailure.ProtocolMismatch, only12.Failure);
        Assert.Equal(TlsProtocol.Tls12, only12.RequestedProtocol);
    }

    [Fact]
    public async Task A_listener_that_never_answers_times_out_within_the_limit()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.Silent);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await Probe(endpoint, timeoutSeconds: 1);

        Assert.Equal(HandshakeFailure.Timeout, result.Failure);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Client_certificate_required_over_tls12_is_classified_too()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.ClientCertificateRequired);

        var result = await Probe(endpoint, TlsProtocol.Tls12);

        Assert.Equal(HandshakeFailure.ClientCertificateRequired, result.Failure);
    }

    [Theory]
    [InlineData(LabScenario.GoodChain, false)]
    [InlineData(LabScenario.GoodChain, true)]
    [InlineData(LabScenario.LeafOnly, false)]
    [InlineData(LabScenario.LeafOnly, true)]
    [InlineData(LabScenario.UntrustedRoot, true)]
    [InlineData(LabScenario.SelfSigned, false)]
    [InlineData(LabScenario.Expired, true)]
    [InlineData(LabScenario.NotYetValid, false)]
    public async Task The_verdict_judged_from_the_handshakes_own_chain_is_the_verdict_of_a_separate_build(LabScenario scenario, bool trustHoldsIntermediate)
    {
        // The probe judges SslStream's chain (one build per handshake), with the trust's
        // intermediates placed in SslStream's ExtraStore: they must not show as presented.
        await using var endpoint = fixture.Lab.Start(scenario);
        var trust = Trust(trustHoldsIntermediate);

        var result = await HandshakeProbe.ProbeAsync(TlsTarget.Parse(endpoint.Target), new ProbeOptions { Trust = trust, Timeout = TimeSpan.FromSeconds(5) },
            CancellationToken.None);
        var separate = CertHeal.Trust.ChainTrustEvaluator.Evaluate(endpoint.Presented, trust, DateTime.UtcNow);

        Assert.Equal(separate.Failure, result.Failure);
        Assert.Equal(endpoint.Presented.Select(c => c.Thumbprint), result.PresentedChain.Select(c => c.Thumbprint));
        if (scenario == LabScenario.LeafOnly)
        {
            Assert.Equal(trustHoldsIntermediate ? HandshakeFailure.None : HandshakeFailure.IncompleteChain, result.Failure);
        }
    }

    [Fact]
    public async Task A_leaf_whose_key_usage_fails_SslStreams_server_usage_check_is_judged_by_a_separate_build()
    {
        // SslStream adds the server-authentication usage to the chain policy; the verdict does not
        // judge usage, so this chain (client authentication only) is built again without it.
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=CertHeal Lab", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var intermediate = fixture.Lab.Trusted.Intermediate;
        using var issued = request.Create(intermediate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [7, 1, 2, 3]);
        using var leaf = issued.CopyWithPrivateKey(key);
        await using var endpoint = fixture.Lab.StartServing(LabScenario.GoodChain, leaf, [intermediate]);

        var result = await Probe(endpoint);
        var separate = CertHeal.Trust.ChainTrustEvaluator.Evaluate([issued, intermediate], fixture.Trust, DateTime.UtcNow);

        Assert.Equal(separate.Failure, result.Failure);
        Assert.Equal(2, result.PresentedChain.Length);
    }

    private CertHeal.Trust.TrustAnchors Trust(bool withIntermediate) => CertHeal.Trust.TrustAnchors.FromCertificates("Lab roots",
        withIntermediate ? [fixture.Lab.Trusted.Root, fixture.Lab.Trusted.Intermediate] : [fixture.Lab.Trusted.Root], isSystem: true);
}
