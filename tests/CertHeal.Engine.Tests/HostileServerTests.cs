using System.Diagnostics;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests;

/// <summary>A server that sends too much or hangs up mid-handshake ends in one clear result, fast.</summary>
public sealed class HostileServerTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    [Theory]
    [InlineData(LabHostileServer.Mode.ThousandCertificates, "larger than this client accepts")]
    [InlineData(LabHostileServer.Mode.HugeCertificateMessage, "larger than this client accepts")]
    [InlineData(LabHostileServer.Mode.ResetMidHandshake, "closed the connection during the TLS handshake")]
    public async Task Hostile_servers_end_in_one_clear_result_within_the_timeout(LabHostileServer.Mode mode, string reason)
    {
        await using var server = LabHostileServer.Start(mode, fixture.Lab.Trusted.Intermediate);
        var before = GC.GetTotalMemory(forceFullCollection: false);
        var clock = Stopwatch.StartNew();

        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(server.Target), new ChainOptions
        {
            Probe = new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(5) },
        }, default);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
        Assert.False(report.Handshake.Succeeded);
        Assert.Equal(HandshakeFailure.Other, report.Handshake.Failure);
        Assert.Contains(reason, report.Handshake.Reason);
        Assert.Contains(server.Target, report.Handshake.Reason);
        Assert.Empty(report.Certificates);
        Assert.True(GC.GetTotalMemory(false) - before < 64L * 1024 * 1024, "the probe buffered the hostile message");
    }
}
