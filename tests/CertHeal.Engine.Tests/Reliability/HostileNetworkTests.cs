using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Lab;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// What AiaLimitTests and HostileServerTests do not already cover: a 100 MB AIA answer, an AIA
/// repository that trickles one byte a second, a TLS server that stalls after its ServerHello or
/// speaks HTTP, and a run over 1,000 hostile targets whose memory stays bounded.
/// </summary>
public sealed class HostileNetworkTests(LabFixture fixture, ITestOutputHelper output) : IClassFixture<LabFixture>
{
    private X509Certificate2 LeafWithAia(string url) => fixture.Lab.Trusted.IssueLeaf(new LeafSpec { CaIssuersUrl = url });

    [Fact]
    public async Task A_100_MB_AIA_answer_is_refused_after_the_first_MiB_without_buffering_it()
    {
        await using var repository = new LabHttpServer();
        repository.Map("huge.cer", new LabHttpServer.Route([], StreamBytes: 100L * 1024 * 1024));
        using var aia = new AiaFetcher();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();

        var completion = await ChainCompleter.CompleteAsync([LeafWithAia(repository.Url("huge.cer"))], fixture.Trust, aia, DateTime.UtcNow, default);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains(completion.AiaProblems, p => p.Contains("more than 1024 KiB"));
        Assert.False(completion.ReachesTrustedRoot);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 80L * 1024 * 1024, "the fetcher buffered the 100 MB answer");
    }

    [Fact]
    public async Task An_AIA_repository_trickling_one_byte_a_second_is_abandoned_at_the_fetch_timeout()
    {
        await using var repository = new LabHttpServer();
        repository.Map("drip.cer", new LabHttpServer.Route(fixture.Lab.Trusted.Intermediate.RawData, Drip: TimeSpan.FromSeconds(1)));
        using var aia = new AiaFetcher(TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();

        var completion = await ChainCompleter.CompleteAsync([LeafWithAia(repository.Url("drip.cer"))], fixture.Trust, aia, DateTime.UtcNow, default);

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.8), TimeSpan.FromSeconds(10));
        Assert.Contains(completion.AiaProblems, p => p.Contains("did not answer within 2 s"));
        Assert.False(completion.ReachesTrustedRoot);
    }

    [Theory]
    [InlineData(LabHostileServer.Mode.StallAfterServerHello, HandshakeFailure.Timeout)]
    [InlineData(LabHostileServer.Mode.SpeakHttp, HandshakeFailure.NotTls)]
    public async Task A_TLS_port_that_stalls_or_speaks_HTTP_ends_within_the_timeout_with_the_right_failure(LabHostileServer.Mode mode, HandshakeFailure failure)
    {
        await using var server = LabHostileServer.Start(mode, fixture.Lab.Trusted.Intermediate);
        var clock = Stopwatch.StartNew();

        var report = await ChainCollector.CollectAsync(TlsTarget.Parse(server.Target), new ChainOptions
        {
            Probe = new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(3) },
        }, default);

        output.WriteLine($"{mode}: {report.Handshake.Failure} in {clock.Elapsed.TotalSeconds:0.0} s: {report.Handshake.Reason}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.False(report.Handshake.Succeeded);
        Assert.Equal(failure, report.Handshake.Failure);
        Assert.Contains(server.Target, report.Handshake.Reason);
        Assert.Empty(report.Certificates);
    }

    /// <summary>
    /// 1,000 targets (bounded by time too), cycling through the hostile servers and the AIA
    /// traps, 8 at a time: every one ends in a failure, and the managed heap after a full
    /// collection grows by less than a generous bound.
    /// </summary>
    [Fact]
    public async Task A_run_over_1000_hostile_targets_keeps_memory_bounded()
    {
        const int Targets = 1000;
        var budget = TimeSpan.FromSeconds(90);
        LabHostileServer.Mode[] modes = [LabHostileServer.Mode.ThousandCertificates, LabHostileServer.Mode.ResetMidHandshake, LabHostileServer.Mode.SpeakHttp, LabHostileServer.Mode.HugeCertificateMessage];
        var servers = modes.Select(m => LabHostileServer.Start(m, fixture.Lab.Trusted.Intermediate)).ToList();
        await using var repository = new LabHttpServer();
        for (var i = 4; i < Targets; i += 5)
        {
            repository.Map($"big{i}.cer", new LabHttpServer.Route([], StreamBytes: 4L * 1024 * 1024));
        }
        using var aia = new AiaFetcher(TimeSpan.FromSeconds(2));
        try
        {
            // Warm up (JIT, TLS library state), then measure from a collected heap.
            await Probe(servers[0].Target);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var workingSetBefore = Process.GetCurrentProcess().WorkingSet64;
            var clock = Stopwatch.StartNew();
            var done = 0;
            var failures = 0;
            using var gate = new SemaphoreSlim(8);
            var tasks = Enumerable.Range(0, Targets).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    if (clock.Elapsed > budget)
                    {
                        return;
                    }
                    if (i % 5 == 4)
                    {
                        // A distinct AIA URL each time (no cache hit) answering 4 MB without a length.
                        var completion = await ChainCompleter.CompleteAsync([LeafWithAia(repository.Url($"big{i}.cer"))], fixture.Trust, aia, DateTime.UtcNow, default);
                        Assert.False(completion.ReachesTrustedRoot);
                        Assert.Contains(completion.AiaProblems, p => p.Contains("more than 1024 KiB"));
                    }
                    else
                    {
                        var report = await Probe(servers[i % servers.Count].Target);
                        Assert.False(report.Handshake.Succeeded);
                    }
                    Interlocked.Increment(ref failures);
                }
                finally
                {
                    Interlocked.Increment(ref done);
                    gate.Release();
                }
            }).ToList();
            await Task.WhenAll(tasks);
            var elapsed = clock.Elapsed;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            var workingSetGrowth = Process.GetCurrentProcess().WorkingSet64 - workingSetBefore;

            output.WriteLine($"{failures} hostile targets in {elapsed.TotalSeconds:0} s, all failed as they should; heap growth {heapGrowth / 1024} KiB, working set growth {workingSetGrowth / 1024 / 1024} MiB");
            Assert.True(failures >= 200, $"only {failures} targets in {budget.TotalSeconds} s");
            Assert.True(heapGrowth < 64L * 1024 * 1024, $"the heap grew by {heapGrowth / 1024 / 1024} MiB over {failures} targets");
            Assert.True(workingSetGrowth < 512L * 1024 * 1024, $"the working set grew by {workingSetGrowth / 1024 / 1024} MiB");
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }

        Task<ChainReport> Probe(string target) => ChainCollector.CollectAsync(TlsTarget.Parse(target), new ChainOptions
        {
            Probe = new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(5) },
            Aia = aia,
        }, default);
    }
}
