using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests.Reach;

/// <summary>
/// A TLS-inspecting proxy re-signs every site with its own root. The lab plays that proxy's
/// output (leaves for different names from one private root), since a bumping squid build is not
/// served here; what is judged is exactly what the client receives.
/// </summary>
public sealed class InterceptionTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private static LabTlsServer Serve(LabHierarchy hierarchy, string name, bool withRoot = false) => LabTlsServer.Start(new LabTlsServerOptions
    {
        Certificate = hierarchy.IssueLeaf(new LeafSpec { CommonName = name, DnsNames = [name, "localhost"] }),
        Chain = withRoot ? [hierarchy.Intermediate, hierarchy.Root] : [hierarchy.Intermediate],
    });

    private async Task<List<HandshakeResult>> RunAsync(params string[] servers)
    {
        var results = new List<HandshakeResult>();
        var targets = servers.Select(s => TlsTarget.Parse(s)).ToList();
        await foreach (var result in ProbeBatch.Run(targets, new ProbeOptions { Trust = fixture.Trust, Connector = new ReachConnector(ProxySettings.None) }, 4, default).ReadAllAsync())
        {
            results.Add(result);
        }
        return results;
    }

    [Fact]
    public async Task A_known_inspection_products_root_is_named_with_a_pinning_recommendation()
    {
        using var zscaler = LabHierarchy.Create("Zscaler");
        await using var server = Serve(zscaler, "intranet.certheal.test", withRoot: true);
        await using var rootless = Serve(zscaler, "wiki.certheal.test");
        var result = Assert.Single(await RunAsync(server.Target));
        var withoutRoot = Assert.Single(await RunAsync(rootless.Target));

        Assert.Equal(HandshakeFailure.UntrustedRoot, result.Failure);
        Assert.Contains("TLS-inspecting proxy (Zscaler)", result.Reason);
        Assert.Contains("CN=Zscaler Root CA", result.Reason);
        Assert.Equal(RemedyKind.PinRoot, result.Remedy!.Kind);
        Assert.Contains(result.Remedy.Fingerprint!, result.Reason);
        Assert.Equal(HandshakeFailure.IncompleteChain, withoutRoot.Failure);
        Assert.Contains("TLS-inspecting proxy (Zscaler)", withoutRoot.Reason);
        Assert.False(withoutRoot.Healable);
        Assert.Equal(RemedyKind.ObtainRootFromAdministrators, withoutRoot.Remedy!.Kind);
        Assert.Contains("administrators", withoutRoot.Recommendation);
    }

    [Fact]
    public async Task The_same_untrusted_root_behind_every_target_of_a_run_is_named_as_interception()
    {
        using var inspection = LabHierarchy.Create("Corp Inspection");
        await using var a = Serve(inspection, "a.certheal.test", withRoot: true);
        await using var b = Serve(inspection, "b.certheal.test", withRoot: true);
        await using var trusted = fixture.Lab.Start(LabScenario.GoodChain);

        var both = await RunAsync(a.Target, b.Target);
        var alone = Assert.Single(await RunAsync(a.Target));
        var mixed = await RunAsync(a.Target, trusted.Target);

        Assert.Equal(2, both.Count);
        Assert.All(both, r => Assert.Contains("TLS-inspecting proxy is likely re-signing", r.Reason));
        Assert.All(both, r => Assert.Contains("CN=Corp Inspection Root CA", r.Reason));
        Assert.DoesNotContain("TLS-inspecting", alone.Reason);
        Assert.All(mixed, r => Assert.DoesNotContain("TLS-inspecting", r.Reason));
    }
}
