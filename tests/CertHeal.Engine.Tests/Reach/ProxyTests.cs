using System.Net;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests.Reach;

/// <summary>Real tinyproxy and squid daemons on loopback, with and without Basic authentication, plus a lab TLS server behind them.</summary>
public sealed class ProxyFixture : IAsyncLifetime
{
    public const string Password = "tunnel-pass-7";

    public LabFixture Lab { get; } = new();
    public LabEndpoint Server { get; private set; } = null!;
    public LabEndpoint Denied { get; private set; } = null!;
    public LabDaemon TinyProxy { get; private set; } = null!;
    public LabDaemon TinyProxyAuth { get; private set; } = null!;
    public LabDaemon Squid { get; private set; } = null!;
    public LabDaemon SquidAuth { get; private set; } = null!;

    public static Uri Url(LabDaemon proxy) => new($"http://127.0.0.1:{proxy.Port}");

    public async Task InitializeAsync()
    {
        Server = Lab.Lab.Start(LabScenario.GoodChain);
        Denied = Lab.Lab.Start(LabScenario.GoodChain);
        var tiny = _daemons.Add(LabProxies.StartTinyProxyAsync(Lab.Lab.Folder));
        var tinyAuth = _daemons.Add(LabProxies.StartTinyProxyAsync(Lab.Lab.Folder, Password));
        var squid = _daemons.Add(LabProxies.StartSquidAsync(Lab.Lab.Folder, deniedPort: Denied.Port));
        var squidAuth = _daemons.Add(LabProxies.StartSquidAsync(Lab.Lab.Folder, Password));
        await _daemons.StartedAsync();
        (TinyProxy, TinyProxyAuth, Squid, SquidAuth) = (tiny.Result, tinyAuth.Result, squid.Result, squidAuth.Result);
    }

    private readonly LabDaemonGroup _daemons = new();

    public async Task DisposeAsync()
    {
        await _daemons.DisposeAsync();
        await Lab.DisposeAsync();
    }
}

public sealed class ProxyTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private Task<HandshakeResult> ProbeAsync(LabEndpoint server, ProxySettings proxy) =>
        HandshakeProbe.ProbeAsync(TlsTarget.Parse(server.Target), new ProbeOptions
        {
            Trust = fixture.Lab.Trust,
            Timeout = TimeSpan.FromSeconds(15),
            Connector = new ReachConnector(proxy),
        }, default);

    private static NetworkCredential Credential(string password = ProxyFixture.Password) => new(LabProxies.User, password);

    [Theory]
    [InlineData("tinyproxy")]
    [InlineData("squid")]
    public async Task The_chain_through_the_proxy_is_the_targets_chain(string name)
    {
        var proxy = name == "squid" ? fixture.Squid : fixture.TinyProxy;
        using var aia = new AiaFetcher();
        ChainOptions Options(ProxySettings settings) => new()
        {
            Probe = new ProbeOptions { Trust = fixture.Lab.Trust, Timeout = TimeSpan.FromSeconds(15), Connector = new ReachConnector(settings) },
            Aia = aia,
        };
        var target = TlsTarget.Parse(fixture.Server.Target);
        var connectionsBefore = fixture.Server.Connections;
        var tunnelled = await ChainCollector.CollectAsync(target, Options(new ProxySettings(ProxyFixture.Url(proxy))), default);
        var direct = await ChainCollector.CollectAsync(target, Options(ProxySettings.None), default);

        Assert.True(tunnelled.Handshake.Succeeded, tunnelled.Handshake.Reason);
        Assert.Equal(direct.Handshake.PresentedChain.Select(c => c.Thumbprint), tunnelled.Handshake.PresentedChain.Select(c => c.Thumbprint));
        Assert.Equal(direct.Path.Select(c => c.Thumbprint), tunnelled.Path.Select(c => c.Thumbprint));
        Assert.Equal(fixture.Server.Presented.Select(c => c.Thumbprint), tunnelled.Handshake.PresentedChain.Select(c => c.Thumbprint));
        Assert.True(fixture.Server.Connections >= connectionsBefore + 2);
        // Through the tunnel the socket is the proxy's.
        Assert.Equal($"127.0.0.1:{proxy.Port}", tunnelled.Handshake.Address);
    }

    [Theory]
    [InlineData("tinyproxy")]
    [InlineData("squid")]
    public async Task Basic_authentication_407_without_credentials_and_success_with_them(string name)
    {
        var proxy = name == "squid" ? fixture.SquidAuth : fixture.TinyProxyAuth;
        var refused = await ProbeAsync(fixture.Server, new ProxySettings(ProxyFixture.Url(proxy)));
        var wrong = await ProbeAsync(fixture.Server, new ProxySettings(ProxyFixture.Url(proxy), Credential("not-the-password")));
        var allowed = await ProbeAsync(fixture.Server, new ProxySettings(ProxyFixture.Url(proxy), Credential()));

        Assert.Equal(HandshakeFailure.ProxyRefused, refused.Failure);
        // squid says 407; tinyproxy says 401 to a CONNECT: either way the proxy's own status line is shown.
        Assert.Matches("'HTTP/1.[01] 40[17] ", refused.Reason);
        Assert.Contains($"127.0.0.1:{proxy.Port}", refused.Reason);
        Assert.Contains("the proxy credential option", refused.Reason);
        Assert.Equal(HandshakeFailure.ProxyRefused, wrong.Failure);
        Assert.Matches("'HTTP/1.[01] 40[17] ", wrong.Reason);
        Assert.DoesNotContain("not-the-password", wrong.Reason);
        Assert.True(allowed.Succeeded, allowed.Reason);
        Assert.Empty(allowed.Reason.Split(ProxyFixture.Password).Skip(1));
    }

    [Fact]
    public async Task A_CONNECT_the_proxy_forbids_is_ProxyRefused_with_its_403_status_line()
    {
        var result = await ProbeAsync(fixture.Denied, new ProxySettings(ProxyFixture.Url(fixture.Squid)));
        var other = await ProbeAsync(fixture.Server, new ProxySettings(ProxyFixture.Url(fixture.Squid)));

        Assert.Equal(HandshakeFailure.ProxyRefused, result.Failure);
        Assert.Contains("HTTP/1.1 403 Forbidden", result.Reason);
        Assert.Contains(fixture.Denied.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Reason);
        Assert.Empty(result.PresentedChain);
        Assert.True(other.Succeeded, other.Reason);
    }

    [Fact]
    public async Task A_proxy_that_is_down_is_ProxyRefused_not_a_TLS_failure()
    {
        var down = LabListener.ClosedPort();
        var result = await ProbeAsync(fixture.Server, new ProxySettings(new Uri($"http://127.0.0.1:{down}")));

        Assert.Equal(HandshakeFailure.ProxyRefused, result.Failure);
        Assert.Contains($"http://127.0.0.1:{down}", result.Reason);
        Assert.Contains("could not be reached", result.Reason);
    }

    [Fact]
    public async Task The_CLI_honours_HTTPS_PROXY_and_NO_PROXY_and_its_own_options()
    {
        var roots = Path.Combine(fixture.Lab.Lab.Folder, "roots-" + Guid.NewGuid().ToString("N")[..6] + ".pem");
        File.WriteAllText(roots, CertificateMint.ToPem(fixture.Lab.Lab.Trusted.Root));
        var target = fixture.Server.Target;
        var authProxy = ProxyFixture.Url(fixture.SquidAuth).ToString();
        string[] Test(params string[] more) => ["test", target, "--keystore", roots, "--json", .. more];

        // HTTPS_PROXY names a proxy that wants credentials: the 407 proves the tunnel was tried.
        var viaEnvironment = await ReachProcess.CertHealAsync(Test(), new Dictionary<string, string> { ["HTTPS_PROXY"] = authProxy });
        var bypassed = await ReachProcess.CertHealAsync(Test(), new Dictionary<string, string> { ["HTTPS_PROXY"] = authProxy, ["NO_PROXY"] = "127.0.0.0/8" });
        var noProxy = await ReachProcess.CertHealAsync(Test("--no-proxy"), new Dictionary<string, string> { ["https_proxy"] = authProxy });
        var withUser = await ReachProcess.CertHealAsync(Test("--proxy", authProxy, "--proxy-user", LabProxies.User, "--proxy-password-env", "CERTHEAL_TEST_PROXY_PASSWORD"),
            new Dictionary<string, string> { ["CERTHEAL_TEST_PROXY_PASSWORD"] = ProxyFixture.Password });
        var conflict = await ReachProcess.CertHealAsync(Test("--proxy", authProxy, "--no-proxy"));

        Assert.Equal(1, viaEnvironment.Code);
        Assert.Contains("\"Failure\": \"ProxyRefused\"", viaEnvironment.Stdout);
        Assert.Contains("407", viaEnvironment.Stdout);
        Assert.True(bypassed.Code == 0, bypassed.Stdout + bypassed.Stderr);
        Assert.True(noProxy.Code == 0, noProxy.Stdout + noProxy.Stderr);
        Assert.True(withUser.Code == 0, withUser.Stdout + withUser.Stderr);
        Assert.DoesNotContain(ProxyFixture.Password, withUser.Stdout + withUser.Stderr);
        Assert.Equal(2, conflict.Code);
        Assert.Contains("--no-proxy", conflict.Stderr);
    }

    [Fact]
    public async Task A_healing_request_goes_through_the_proxy()
    {
        var roots = Path.Combine(fixture.Lab.Lab.Folder, "store-" + Guid.NewGuid().ToString("N")[..6] + ".pem");
        File.WriteAllText(roots, CertificateMint.ToPem(fixture.Lab.Lab.Trusted.Root));
        var url = $"https://{fixture.Server.Target}/";
        var through = await ReachProcess.CertHealAsync(["request", url, "--keystore", roots, "--proxy", ProxyFixture.Url(fixture.TinyProxy).ToString(), "--json"]);
        var refused = await ReachProcess.CertHealAsync(["request", $"https://{fixture.Denied.Target}/", "--keystore", roots, "--proxy", ProxyFixture.Url(fixture.Squid).ToString(), "--json"]);

        Assert.True(through.Code == 0, through.Stdout + through.Stderr);
        Assert.Contains("tls ok", through.Stdout);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("403", refused.Stdout + refused.Stderr);
    }
}
