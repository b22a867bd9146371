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
            Assert.StartsWith("Get-ServerCertificateChain -Target '" + endpoint.Target + "'", result.Recommendation);
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
}
