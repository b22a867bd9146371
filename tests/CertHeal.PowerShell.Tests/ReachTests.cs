using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// The connection parameters of the cmdlets in a real runspace: -Proxy/-ProxyCredential/-NoProxy
/// against real tinyproxy and squid, -StartTls and postgres:// against a real PostgreSQL healed
/// by `Get-ServerCertificateChain | Merge-Keystore` (psql verify-full proves it), client
/// certificates under both names, -AddressFamily and -AllAddresses.
/// </summary>
public sealed class ReachFixture : IAsyncLifetime
{
    public const string ProxyPassword = "ps-tunnel-pass";

    public PsLab Lab { get; } = new();
    public LabDaemon TinyProxy { get; private set; } = null!;
    public LabDaemon SquidAuth { get; private set; } = null!;
    public SharedLabDaemon Postgres { get; private set; } = null!;

    private readonly LabDaemonGroup _daemons = new();

    public async Task InitializeAsync()
    {
        var tiny = _daemons.Add(LabProxies.StartTinyProxyAsync(Lab.Lab.Folder));
        var squid = _daemons.Add(LabProxies.StartSquidAsync(Lab.Lab.Folder, ProxyPassword));
        var postgres = _daemons.Add(SharedLabDaemon.AcquireAsync("postgres", "db.certheal.test", leaf => LabPostgres.StartAsync(leaf, [])));
        await _daemons.StartedAsync();
        (TinyProxy, SquidAuth, Postgres) = (tiny.Result, squid.Result, postgres.Result);
    }

    public async Task DisposeAsync()
    {
        await _daemons.DisposeAsync();
        await Lab.DisposeAsync();
    }
}

public sealed class ReachTests(ReachFixture fixture) : IClassFixture<ReachFixture>
{
    private PsLab Lab => fixture.Lab;

    [Fact]
    public void Test_TlsHandshake_tunnels_through_Proxy_and_reports_ProxyRefused_with_the_status_line()
    {
        var endpoint = Lab.Lab.Start(LabScenario.GoodChain);
        using var ps = PsSession.NoUi();
        var result = ps.Run("""
            param($Target, $Keystore, $Open, $Auth, $User, $Password)
            Test-TlsHandshake $Target -Keystore $Keystore -Proxy $Open
            Test-TlsHandshake $Target -Keystore $Keystore -Proxy $Auth
            $credential = [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
            Test-TlsHandshake $Target -Keystore $Keystore -Proxy $Auth -ProxyCredential $credential
            Test-TlsHandshake $Target -Keystore $Keystore -NoProxy
            """, new()
        {
            ["Target"] = endpoint.Target, ["Keystore"] = Lab.TrustedRootPem, ["Open"] = $"http://127.0.0.1:{fixture.TinyProxy.Port}",
            ["Auth"] = $"http://127.0.0.1:{fixture.SquidAuth.Port}", ["User"] = LabProxies.User, ["Password"] = ReachFixture.ProxyPassword,
        });
        result.AssertNoErrors();
        Assert.Equal(4, result.Output.Count);
        Assert.True(result.Output[0].Value<bool>("Succeeded"), result.Output[0].Value<string>("Reason"));
        Assert.Equal($"127.0.0.1:{fixture.TinyProxy.Port}", result.Output[0].Value<string>("Address"));
        Assert.Equal("ProxyRefused", result.Output[1].Value<object>("Failure").ToString());
        Assert.Contains("407", result.Output[1].Value<string>("Reason"));
        Assert.True(result.Output[2].Value<bool>("Succeeded"), result.Output[2].Value<string>("Reason"));
        Assert.True(result.Output[3].Value<bool>("Succeeded"));
        Assert.DoesNotContain(ReachFixture.ProxyPassword, string.Join("\n", result.Output.Select(o => o.Value<string>("Reason"))));
    }

    [Fact]
    public void Invoke_HealedRequest_sends_through_the_Proxy()
    {
        var endpoint = Lab.Lab.Start(LabScenario.GoodChain);
        var store = Path.Combine(Lab.NewFolder(), "request-store.pem");
        File.Copy(Lab.TrustedRootPem, store);
        using var ps = PsSession.NoUi();
        var result = ps.Run("param($Uri, $Store, $Proxy) Invoke-HealedRequest $Uri -Keystore $Store -Proxy $Proxy",
            new() { ["Uri"] = $"https://{endpoint.Target}/", ["Store"] = store, ["Proxy"] = $"http://127.0.0.1:{fixture.TinyProxy.Port}" });
        var down = ps.Run("param($Uri, $Store, $Proxy) Invoke-HealedRequest $Uri -Keystore $Store -Proxy $Proxy",
            new() { ["Uri"] = $"https://{endpoint.Target}/", ["Store"] = store, ["Proxy"] = $"http://127.0.0.1:{LabListener.ClosedPort()}" });

        result.AssertNoErrors();
        Assert.Equal(200, result.Single().Value<int>("StatusCode"));
        Assert.Contains("tls ok", result.Single().Value<string>("Content"));
        Assert.NotEmpty(down.AllErrors);
        Assert.Contains("could not be reached", down.AllErrors[0].ToString());
    }

    [Fact]
    public void Proxy_and_NoProxy_together_is_an_InvalidProxy_error()
    {
        using var ps = PsSession.NoUi();
        var result = ps.Run("Test-TlsHandshake 127.0.0.1:1 -Proxy http://127.0.0.1:3128 -NoProxy");
        Assert.Equal("CertHeal.InvalidProxy", PsResult.ErrorId(Assert.Single(result.AllErrors)));
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, result.AllErrors[0].CategoryInfo.Category);
    }

    [Theory]
    [InlineData("not a proxy")]
    [InlineData("socks5://127.0.0.1:1080")]
    public void A_proxy_that_is_not_an_http_URL_is_an_InvalidProxy_error(string proxy)
    {
        using var ps = PsSession.NoUi();
        var result = ps.Run("param($P) Test-TlsHandshake 127.0.0.1:1 -Proxy $P", new() { ["P"] = proxy });
        var error = Assert.Single(result.AllErrors);
        Assert.Equal("CertHeal.InvalidProxy", PsResult.ErrorId(error));
        Assert.Contains("is not an http:// proxy URL", error.ToString());
    }

    [Fact]
    public async Task Get_ServerCertificateChain_postgres_piped_to_Merge_Keystore_heals_and_psql_verify_full_connects()
    {
        var store = Path.Combine(Lab.NewFolder(), "pg-truststore.pem");
        File.WriteAllText(store, CertificateMint.ToPem(fixture.Postgres.Root));
        var target = $"postgres://127.0.0.1:{fixture.Postgres.Port}";
        var before = await PsqlAsync(store);
        using var ps = PsSession.NoUi();
        var result = ps.Run("""
            param($Target, $Store, $Plain)
            Test-TlsHandshake $Target -Keystore $Store
            Test-TlsHandshake $Plain -StartTls Postgres -Keystore $Store
            Get-ServerCertificateChain $Target | Merge-Keystore -Path $Store
            Test-TlsHandshake $Target -Keystore $Store
            Confirm-Keystore -Path $Store -Uri $Target
            """, new() { ["Target"] = target, ["Store"] = store, ["Plain"] = $"127.0.0.1:{fixture.Postgres.Port}" });
        var after = await PsqlAsync(store);

        result.AssertNoErrors();
        var probe = result.Output[0];
        Assert.Equal("IncompleteChain", probe.Value<object>("Failure").ToString());
        Assert.Equal(target, probe.Value<string>("Target"));
        Assert.Contains($"-Target '127.0.0.1:{fixture.Postgres.Port}' -StartTls Postgres", probe.Value<string>("Recommendation"));
        Assert.Equal("IncompleteChain", result.Output[1].Value<object>("Failure").ToString());
        var change = result.Output.Single(o => o.TypeName() == "CertHeal.KeystoreChange");
        Assert.True(change.Value<bool>("Written"));
        Assert.Equal(1, change.Value<int>("Added"));
        Assert.True(result.Output[^2].Value<bool>("Succeeded"), result.Output[^2].Value<string>("Reason"));
        var report = result.Output[^1];
        Assert.Equal("CertHeal.KeystoreReport", report.TypeName());
        var endpoint = Assert.Single(report.Items("Endpoints"));
        Assert.True(endpoint.Value<bool>("Succeeded"), endpoint.Value<string>("Reason"));
        Assert.Equal(target, endpoint.Value<string>("Target"));
        Assert.NotEqual(0, before.Code);
        Assert.True(after.Code == 0, after.Output);
    }

    [Fact]
    public void Client_certificates_under_both_names_open_a_mutual_TLS_server()
    {
        var endpoint = Lab.Lab.Start(LabScenario.ClientCertificateRequired);
        using var client = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=ps client", ClientAuth = true }, Lab.Lab.Trusted.Intermediate);
        using var ps = PsSession.NoUi();
        var result = ps.Run("""
            param($Target, $Keystore, $Client)
            Test-TlsHandshake $Target -Keystore $Keystore
            Test-TlsHandshake $Target -Keystore $Keystore -Certificate $Client
            Get-ServerCertificateChain $Target -Keystore $Keystore -ClientCertificate $Client -NoAia
            """, new() { ["Target"] = endpoint.Target, ["Keystore"] = Lab.TrustedRootPem, ["Client"] = client });

        result.AssertNoErrors();
        Assert.Equal("ClientCertificateRequired", result.Output[0].Value<object>("Failure").ToString());
        Assert.True(result.Output[1].Value<bool>("Succeeded"), result.Output[1].Value<string>("Reason"));
        Assert.Contains(result.Output.Skip(2), c => c.Value<string>("Thumbprint") == Lab.Lab.Trusted.Intermediate.Thumbprint);
        var aliases = ps.Run("""
            (Get-Command Invoke-HealedRequest).Parameters['Certificate'].Aliases
            (Get-Command Test-TlsHandshake).Parameters['ClientCertificate'].Aliases
            (Get-Command Confirm-Keystore).Parameters['ClientCertificate'].Name
            """).Output.Select(o => o.BaseObject.ToString()).ToList();
        Assert.Equal(["ClientCertificate", "Certificate", "ClientCertificate"], aliases);
    }

    [Fact]
    public async Task AddressFamily_and_AllAddresses_on_the_IPv6_loopback()
    {
        var (leaf, chain) = Lab.Lab.Material(LabScenario.GoodChain)!.Value;
        await using var server = LabTlsServer.Start(new LabTlsServerOptions { Certificate = leaf, Chain = chain, IPv6 = true });
        using var ps = PsSession.NoUi();
        var result = ps.Run("""
            param($Target, $Keystore)
            Test-TlsHandshake $Target -Keystore $Keystore -AddressFamily InterNetworkV6 -AllAddresses
            Test-TlsHandshake $Target -Keystore $Keystore -AddressFamily InterNetwork
            """, new() { ["Target"] = $"https://[::1]:{server.Port}/", ["Keystore"] = Lab.TrustedRootPem });

        result.AssertNoErrors();
        Assert.Equal(2, result.Output.Count);
        Assert.True(result.Output[0].Value<bool>("Succeeded"), result.Output[0].Value<string>("Reason"));
        Assert.Equal($"[::1]:{server.Port}", result.Output[0].Value<string>("Address"));
        Assert.Equal("NameResolution", result.Output[1].Value<object>("Failure").ToString());
    }

    private async Task<(int Code, string Output)> PsqlAsync(string rootFile)
    {
        var info = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add($"host=127.0.0.1 port={fixture.Postgres.Port} user=postgres dbname=postgres sslmode=verify-full sslrootcert={rootFile} connect_timeout=10");
        info.ArgumentList.Add("-tAc");
        info.ArgumentList.Add("select 1");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
