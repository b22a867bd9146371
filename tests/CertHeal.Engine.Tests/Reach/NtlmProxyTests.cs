using System.Net;
using System.Net.Sockets;
using System.Text;
using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests.Reach;

/// <summary>A real squid that asks only for NTLM (ntlm_fake_auth, no Basic), plus a lab TLS server behind it.</summary>
public sealed class NtlmProxyFixture : IAsyncLifetime
{
    public LabFixture Lab { get; } = new();
    public LabEndpoint Server { get; private set; } = null!;
    public LabDaemon Squid { get; private set; } = null!;
    public LabDaemon SquidRepaired { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = Lab.Lab.Start(LabScenario.GoodChain);
        var squid = _daemons.Add(LabProxies.StartSquidAsync(Lab.Lab.Folder, ntlm: true));
        var repaired = _daemons.Add(LabProxies.StartSquidAsync(Lab.Lab.Folder, ntlm: true, repairNtlmChallenge: true));
        await _daemons.StartedAsync();
        (Squid, SquidRepaired) = (squid.Result, repaired.Result);
    }

    private readonly LabDaemonGroup _daemons = new();

    public async Task DisposeAsync()
    {
        await _daemons.DisposeAsync();
        await Lab.DisposeAsync();
    }
}

public sealed class NtlmProxyTests(NtlmProxyFixture fixture) : IClassFixture<NtlmProxyFixture>
{
    private Task<HandshakeResult> ProbeAsync(ProxySettings proxy) =>
        HandshakeProbe.ProbeAsync(TlsTarget.Parse(fixture.Server.Target), new ProbeOptions
        {
            Trust = fixture.Lab.Trust,
            Timeout = TimeSpan.FromSeconds(15),
            Connector = new ReachConnector(proxy),
        }, default);

    private Uri Proxy => new($"http://127.0.0.1:{fixture.Squid.Port}");

    [Fact]
    public async Task The_proxy_offers_only_NTLM_and_refuses_a_CONNECT_without_credentials()
    {
        // What the engine answers: read squid's own 407 to a bare CONNECT.
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, fixture.Squid.Port);
        var stream = client.GetStream();
        stream.ReadTimeout = 15_000;
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {fixture.Server.Target} HTTP/1.1\r\nHost: {fixture.Server.Target}\r\n\r\n"));
        var head = new StringBuilder();
        var buffer = new byte[4096];
        for (var i = 0; i < 50 && !head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal); i++)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        var refused = await ProbeAsync(new ProxySettings(Proxy));

        Assert.StartsWith("HTTP/1.1 407 ", head.ToString());
        Assert.Contains("Proxy-Authenticate: NTLM", head.ToString());
        Assert.DoesNotContain("Basic", head.ToString());
        Assert.Equal(HandshakeFailure.ProxyRefused, refused.Failure);
        Assert.Contains("407", refused.Reason);
    }

    /// <summary>
    /// The NTLM exchange with a real squid goes as far as this machine's squid allows: CertHeal
    /// answers the 407 with a Type 1 message (.NET's managed NTLM, see
    /// ProxyConnector.UseManagedNtlmOutsideWindows) and squid answers with its Type 2 challenge;
    /// but Debian 12's squid 5.7 ntlm_fake_auth sends a malformed challenge (49 bytes whose
    /// TargetName buffer claims offset 0xAAAAAAAE, far outside the message, and whose flags claim
    /// a TargetInfo the message does not carry), which both .NET's managed NTLM (it throws) and
    /// GSSAPI's gss-ntlmssp (InvalidToken) reject. So the Type 3 and the tunnel cannot be
    /// reached with this peer; what is tested is that the exchange gets to the challenge and the
    /// rejection is a ProxyRefused sentence naming it, never a TLS failure or a leaked password.
    /// If squid's helper is fixed this test fails and the repair filter can go.
    /// </summary>
    [Fact]
    public async Task With_a_credential_the_exchange_reaches_squids_NTLM_challenge_and_its_rejection_is_ProxyRefused()
    {
        var tunnelled = await ProbeAsync(new ProxySettings(Proxy, new NetworkCredential(LabProxies.User, "ntlm-pass-3", "LAB")));
        var direct = await ProbeAsync(ProxySettings.None);

        Assert.True(direct.Succeeded, direct.Reason);
        Assert.Equal(HandshakeFailure.ProxyRefused, tunnelled.Failure);
        Assert.Contains($"The proxy http://127.0.0.1:{fixture.Squid.Port} asked for authentication", tunnelled.Reason);
        Assert.Contains("its NTLM challenge is malformed", tunnelled.Reason);
        Assert.DoesNotContain("ntlm-pass-3", tunnelled.Reason);
        Assert.Empty(tunnelled.PresentedChain);
    }

    /// <summary>
    /// The whole NTLM handshake with a real squid whose ntlm_fake_auth challenge is re-encoded
    /// well-formed (LabProxies.NtlmChallengeRepair; the helper's own encoding is malformed, see
    /// the test above): 407 with Proxy-Authenticate: NTLM, Type 1, Type 2, Type 3 through .NET's
    /// NegotiateAuthentication on one keep-alive connection, then the tunnel, whose chain equals
    /// the direct one. squid only opens the tunnel to an authenticated user (proxy_auth REQUIRED).
    /// </summary>
    [Fact]
    public async Task With_a_credential_the_NTLM_handshake_completes_and_the_chain_through_the_proxy_equals_the_direct_one()
    {
        var proxy = new Uri($"http://127.0.0.1:{fixture.SquidRepaired.Port}");
        var refused = await ProbeAsync(new ProxySettings(proxy));
        var tunnelled = await ProbeAsync(new ProxySettings(proxy, new NetworkCredential(LabProxies.User, "ntlm-pass-3", "LAB")));
        var direct = await ProbeAsync(ProxySettings.None);

        Assert.Equal(HandshakeFailure.ProxyRefused, refused.Failure);
        Assert.Contains("407", refused.Reason);
        Assert.True(tunnelled.Succeeded, $"{tunnelled.Failure}: {tunnelled.Reason}");
        Assert.True(direct.Succeeded, direct.Reason);
        Assert.Equal(direct.PresentedChain.Select(c => c.Thumbprint), tunnelled.PresentedChain.Select(c => c.Thumbprint));
        Assert.Equal(fixture.Server.Presented.Select(c => c.Thumbprint), tunnelled.PresentedChain.Select(c => c.Thumbprint));
        Assert.Equal($"127.0.0.1:{fixture.SquidRepaired.Port}", tunnelled.Address);
    }
}
