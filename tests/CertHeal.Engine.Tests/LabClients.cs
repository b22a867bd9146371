using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests;

/// <summary>What several test classes do with a lab server: collect its completed chain, and ask a real Java client whether it trusts it.</summary>
internal static class LabClients
{
    public static async Task<List<X509Certificate2>> CollectAsync(LabFixture fixture, LabEndpoint endpoint)
    {
        using var aia = new AiaFetcher();
        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(endpoint.Target), new ChainOptions
        {
            Probe = new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(5) },
            Aia = aia,
        }, default);
        return report.Path.Select(c => CertificateInput.FromPem(c.Pem)).ToList();
    }

    /// <summary>Merge/Probe.java: exit 0 and "OK" when a Java client trusting only <paramref name="keystore"/> handshakes.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> JavaProbeAsync(LabEndpoint server, string keystore, string type, string password) =>
        Tools.RunAsync("java", [Path.Combine(AppContext.BaseDirectory, "Merge", "Probe.java"), "127.0.0.1", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), keystore, type, password], timeoutSeconds: 120);
}
