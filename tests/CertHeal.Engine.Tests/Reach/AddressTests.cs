using System.Net;
using System.Net.Sockets;
using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests.Reach;

/// <summary>
/// IPv6 literals on ::1, and a name with two addresses (127.0.0.1 and 127.0.0.2 through the
/// engine's resolver seam, never /etc/hosts) whose servers present different chains.
/// </summary>
public sealed class AddressTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string PoolName = "pool.certheal.test";

    private LabTlsServer StartV6()
    {
        var (leaf, chain) = fixture.Lab.Material(LabScenario.GoodChain)!.Value;
        return LabTlsServer.Start(new LabTlsServerOptions { Certificate = leaf, Chain = chain, IPv6 = true });
    }

    [Theory]
    [InlineData("[::1]:{0}")]
    [InlineData("https://[::1]:{0}/")]
    [InlineData("::1")]
    public async Task IPv6_literals_reach_a_server_on_the_IPv6_loopback(string form)
    {
        await using var server = StartV6();
        var target = TlsTarget.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, form, server.Port), server.Port);
        var result = await HandshakeProbe.ProbeAsync(target, new ProbeOptions { Trust = fixture.Trust, Connector = new ReachConnector(ProxySettings.None) }, default);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal($"[::1]:{server.Port}", result.Target);
        Assert.Equal($"[::1]:{server.Port}", result.Address);
    }

    [Fact]
    public async Task The_CLI_takes_IPv6_targets_and_minus_4_minus_6()
    {
        await using var server = StartV6();
        var roots = Path.Combine(fixture.Lab.Folder, "v6-roots-" + Guid.NewGuid().ToString("N")[..6] + ".pem");
        File.WriteAllText(roots, CertificateMint.ToPem(fixture.Lab.Trusted.Root));
        var v6 = await ReachProcess.CertHealAsync(["test", $"[::1]:{server.Port}", "--keystore", roots, "-6", "--json"]);
        var v4Only = await ReachProcess.CertHealAsync(["test", $"[::1]:{server.Port}", "--keystore", roots, "-4", "--json"]);
        var badFamily = await ReachProcess.CertHealAsync(["test", $"[::1]:{server.Port}", "--address-family", "ipx"]);

        Assert.True(v6.Code == 0, v6.Stdout + v6.Stderr);
        Assert.Contains($"\"Address\": \"[::1]:{server.Port}\"", v6.Stdout);
        Assert.Equal(1, v4Only.Code); // an IPv6 literal has no IPv4 address
        Assert.Contains("\"Failure\": \"NameResolution\"", v4Only.Stdout);
        Assert.Equal(2, badFamily.Code);
        Assert.Contains("--address-family", badFamily.Stderr);
    }

    [Fact]
    public async Task A_name_with_two_addresses_reports_the_address_used_and_AllAddresses_finds_the_stale_node()
    {
        var now = DateTimeOffset.UtcNow;
        var leaf = fixture.Lab.Trusted.IssueLeaf(new LeafSpec { CommonName = PoolName, DnsNames = [PoolName] });
        await using var good = LabTlsServer.Start(new LabTlsServerOptions { Certificate = leaf, Chain = [fixture.Lab.Trusted.Intermediate], BindAddress = IPAddress.Loopback });
        var second = IPAddress.Parse("127.0.0.2");
        await using var stale = LabTlsServer.Start(new LabTlsServerOptions { Certificate = leaf, Chain = [], BindAddress = second, Port = good.Port });
        var resolver = new StaticResolver(new Dictionary<string, IPAddress[]> { [PoolName] = [IPAddress.Loopback, second] });
        var connector = new ReachConnector(ProxySettings.None, new DirectConnector { Resolver = resolver });
        var options = new ProbeOptions { Trust = fixture.Trust, Connector = connector, Timeout = TimeSpan.FromSeconds(10) };
        var target = TlsTarget.Parse($"{PoolName}:{good.Port}");

        var first = await HandshakeProbe.ProbeAsync(target, options, default);
        var each = new List<HandshakeResult>();
        var expanded = await connector.ExpandAddressesAsync([target], default);
        await foreach (var result in ProbeBatch.Run(expanded, options, 4, default).ReadAllAsync())
        {
            each.Add(result);
        }
        var v6Only = await HandshakeProbe.ProbeAsync(target, new ProbeOptions
        {
            Trust = fixture.Trust, Connector = new ReachConnector(ProxySettings.None, new DirectConnector { Resolver = resolver, AddressFamily = AddressFamily.InterNetworkV6 }),
        }, default);

        Assert.True(first.Succeeded, first.Reason);
        Assert.Equal($"127.0.0.1:{good.Port}", first.Address);
        Assert.Equal(2, expanded.Count);
        var byAddress = each.ToDictionary(r => r.Address!);
        Assert.True(byAddress[$"127.0.0.1:{good.Port}"].Succeeded);
        Assert.Equal(HandshakeFailure.IncompleteChain, byAddress[$"127.0.0.2:{good.Port}"].Failure);
        Assert.All(each, r => Assert.Equal($"{PoolName}:{good.Port}", r.Target));
        Assert.Equal(1, stale.Connections);
        Assert.Equal(HandshakeFailure.NameResolution, v6Only.Failure);
    }
}
