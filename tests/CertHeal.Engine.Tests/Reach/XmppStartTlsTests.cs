using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests.Reach;

/// <summary>
/// Two real prosody servers on loopback: one presenting only its leaf behind STARTTLS, one with
/// no certificate (so its stream features carry no starttls).
/// </summary>
public sealed class ProsodyFixture : IAsyncLifetime
{
    public LabFixture Lab { get; } = new();
    public System.Security.Cryptography.X509Certificates.X509Certificate2 Leaf { get; private set; } = null!;
    public LabDaemon LeafOnly { get; private set; } = null!;
    public LabDaemon WithoutTls { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var (leaf, chain) = Lab.Lab.Material(LabScenario.LeafOnly)!.Value;
        Leaf = leaf;
        var leafOnly = _daemons.Add(LabProsody.StartAsync(leaf, chain));
        var withoutTls = _daemons.Add(LabProsody.StartAsync(null, []));
        await _daemons.StartedAsync();
        (LeafOnly, WithoutTls) = (leafOnly.Result, withoutTls.Result);
    }

    private readonly LabDaemonGroup _daemons = new();

    public async Task DisposeAsync()
    {
        await _daemons.DisposeAsync();
        await Lab.DisposeAsync();
    }
}

public sealed class XmppStartTlsTests(ProsodyFixture fixture) : IClassFixture<ProsodyFixture>
{
    private Task<HandshakeResult> ProbeAsync(string target) =>
        HandshakeProbe.ProbeAsync(TlsTarget.Parse(target), new ProbeOptions { Trust = fixture.Lab.Trust, Timeout = TimeSpan.FromSeconds(15), Connector = new ReachConnector(ProxySettings.None) }, default);

    [Fact]
    public async Task A_leaf_only_prosody_is_IncompleteChain_through_STARTTLS_with_the_presented_chain()
    {
        var target = $"xmpp://127.0.0.1:{fixture.LeafOnly.Port}";
        var result = await ProbeAsync(target);

        Assert.Equal(StartTlsProtocol.Xmpp, TlsTarget.Parse(target).StartTls);
        Assert.True(result.Failure == HandshakeFailure.IncompleteChain, $"{result.Failure}: {result.Reason}\n{fixture.LeafOnly.Output}");
        Assert.Equal([fixture.Leaf.Thumbprint], result.PresentedChain.Select(c => c.Thumbprint));
        Assert.Equal(target, result.Target);
    }

    [Fact]
    public async Task A_prosody_without_starttls_is_StartTlsRefused_naming_its_stream_features()
    {
        var result = await ProbeAsync($"xmpp://127.0.0.1:{fixture.WithoutTls.Port}");

        Assert.Equal(HandshakeFailure.StartTlsRefused, result.Failure);
        Assert.Contains("does not offer STARTTLS in its stream features", result.Reason);
        Assert.Contains("</stream:features>", result.Reason);
        Assert.Empty(result.PresentedChain);
    }
}
