using System.Collections;
using System.Management.Automation;
using System.Text.RegularExpressions;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>A lab and a real tinyproxy for the Recommendation round trips.</summary>
public sealed class RemedyFixture : IAsyncLifetime
{
    public PsLab Lab { get; } = new();
    public LabDaemon TinyProxy { get; private set; } = null!;

    private readonly LabDaemonGroup _daemons = new();

    public async Task InitializeAsync() => TinyProxy = await _daemons.Add(LabProxies.StartTinyProxyAsync(Lab.Lab.Folder));

    public async Task DisposeAsync()
    {
        await _daemons.DisposeAsync();
        await Lab.DisposeAsync();
    }
}

/// <summary>
/// Test-TlsHandshake's Recommendation, run as printed in the same runspace, heals the very
/// endpoint the probe reached (same -ServerName, -Port, -StartTls, -Proxy and -Keystore), and the
/// cmdlets' Reasons and Recommendations name cmdlet parameters, never a certheal option.
/// </summary>
public sealed partial class RemedyTests(RemedyFixture fixture) : IClassFixture<RemedyFixture>
{
    private const string ApiName = "api.certheal.test";

    [GeneratedRegex("--[a-z]")]
    private static partial Regex CliOption();

    private CertHeal.Lab.Lab Lab => fixture.Lab.Lab;

    [Theory]
    [InlineData("ServerName")]
    [InlineData("Port")]
    [InlineData("StartTls")]
    [InlineData("Proxy")]
    [InlineData("Keystore")]
    public async Task Running_the_Recommendation_heals_the_probed_endpoint(string parameter)
    {
        // Self-signed: SslStream never sends a chain's root, and the pinned certificate must reach the client.
        var leaf = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = "CN=" + ApiName, DnsNames = [ApiName, "localhost"], IpAddresses = [System.Net.IPAddress.Loopback],
        });
        await using var server = LabRemedyServer.Start(leaf, [], serverName: parameter == "ServerName" ? ApiName : null, smtp: parameter == "StartTls");
        var folder = fixture.Lab.NewFolder(parameter == "Keystore" ? $"it's a $store ‘{Guid.NewGuid():N}’" : null);
        var keystore = Path.Combine(folder, parameter == "Keystore" ? "trust store.pem" : "truststore.pem");
        File.Copy(fixture.Lab.TrustedRootPem, keystore);
        var probe = new Hashtable { ["Target"] = server.Target, ["Keystore"] = keystore, ["NoAia"] = true };
        switch (parameter)
        {
            case "ServerName":
                probe["ServerName"] = ApiName;
                break;
            case "Port":
                probe["Target"] = "127.0.0.1";
                probe["Port"] = server.Port;
                break;
            case "StartTls":
                probe["StartTls"] = "Smtp";
                break;
            case "Proxy":
                probe["Proxy"] = $"http://127.0.0.1:{fixture.TinyProxy.Port}";
                break;
        }
        using var ps = PsSession.NoUi();

        var failed = ps.Run("param($Probe) $global:probe = Test-TlsHandshake @Probe; $global:probe", new() { ["Probe"] = probe });
        var chain = ps.Run("$r = $global:probe.Recommendation; & ([scriptblock]::Create($r.Substring(0, $r.IndexOf(' | Merge-Keystore'))))");
        var healed = ps.Run("& ([scriptblock]::Create($global:probe.Recommendation))");
        var after = ps.Run("param($Probe) Test-TlsHandshake @Probe", new() { ["Probe"] = probe });

        failed.AssertNoErrors();
        var result = failed.Single();
        var recommendation = result.Value<string>("Recommendation");
        var settings = PSObject.AsPSObject(PSObject.AsPSObject(result.Value("Remedy")).Value("Probe"));
        Assert.Equal("SelfSigned", result.Value<object>("Failure").ToString());
        Assert.Equal(keystore, settings.Value<string>("Keystore"));
        Assert.DoesNotMatch(CliOption(), recommendation);
        Assert.DoesNotMatch(CliOption(), result.Value<string>("Reason"));
        Assert.Contains(parameter == "Port" ? $"-Target '127.0.0.1:{server.Port}'" : "-" + parameter, recommendation);
        chain.AssertNoErrors();
        Assert.NotEmpty(chain.Output);
        Assert.All(chain.Output, c => Assert.Equal(result.Value<string>("Target"), c.Value<string>("Target")));
        Assert.All(chain.Output, c => Assert.Equal(result.Value<string>("ServerName"), c.Value<string>("ServerName")));
        healed.AssertNoErrors();
        var change = healed.Single();
        Assert.Equal(keystore, change.Value<string>("Path"));
        Assert.True(change.Value<bool>("Written"));
        after.AssertNoErrors();
        Assert.True(after.Single().Value<bool>("Succeeded"), after.Single().Value<string>("Reason"));
        Assert.Equal(settings.Value<string>("Keystore"), after.Single().Value<string>("TrustedBy"));
    }

    [Fact]
    public async Task Reasons_name_cmdlet_parameters_and_never_a_certheal_option()
    {
        await using var silent = Lab.Start(LabScenario.Silent);
        await using var mutual = Lab.Start(LabScenario.ClientCertificateRequired);
        await using var tls13 = Lab.Start(LabScenario.Tls13Only);
        await using var good = Lab.Start(LabScenario.GoodChain);
        (Hashtable Probe, string Parameter)[] cases =
        [
            (new Hashtable { ["Target"] = silent.Target, ["TimeoutSec"] = 1 }, "-TimeoutSec"),
            (new Hashtable { ["Target"] = mutual.Target }, "-ClientCertificate"),
            (new Hashtable { ["Target"] = tls13.Target, ["Protocol"] = "Tls12" }, "-Protocol"),
            (new Hashtable { ["Target"] = good.Target, ["ServerName"] = "wrong.example" }, "-ServerName"),
            (new Hashtable { ["Target"] = good.Target, ["Proxy"] = $"http://127.0.0.1:{LabListener.ClosedPort()}" }, "-NoProxy"),
        ];
        using var ps = PsSession.NoUi();
        foreach (var (probe, parameter) in cases)
        {
            probe["Keystore"] = fixture.Lab.TrustedRootPem;
            probe["NoAia"] = true;
            var run = ps.Run("param($Probe) Test-TlsHandshake @Probe", new() { ["Probe"] = probe });
            run.AssertNoErrors();
            var reason = run.Single().Value<string>("Reason");

            Assert.False(run.Single().Value<bool>("Succeeded"));
            Assert.Contains(parameter, reason);
            Assert.DoesNotMatch(CliOption(), reason);
        }
    }
}
