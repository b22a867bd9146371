using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Lab;

namespace CertHeal.Tests;

/// <summary>AIA is network input: every limit is exercised against a misbehaving loopback repository.</summary>
public sealed class AiaLimitTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private static DateTime Now => DateTime.UtcNow;

    private X509Certificate2 LeafWithAia(string? first, params string[] more) => fixture.Lab.Trusted.IssueLeaf(new LeafSpec { CaIssuersUrl = first, MoreCaIssuersUrls = more });

    [Fact]
    public async Task A_url_loop_is_fetched_once_and_stops()
    {
        await using var repository = new LabHttpServer();
        using var loop = LabHierarchy.Create("Loop", intermediateCaIssuersUrl: repository.Url("loop.cer"));
        repository.Map("loop.cer", new LabHttpServer.Route(loop.Intermediate.Export(X509ContentType.Cert)));
        var leaf = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=loop.certheal.test", CaIssuersUrl = repository.Url("loop.cer") }, loop.Intermediate);
        using var aia = new AiaFetcher();

        var completion = await ChainCompleter.CompleteAsync([leaf], fixture.Trust, aia, Now, default);

        Assert.Equal(1, repository.Hits("loop.cer"));
        Assert.Equal(1, completion.AiaFetches);
        Assert.Equal(2, completion.Path.Count);
        Assert.False(completion.ReachesTrustedRoot);
    }

    [Theory]
    [InlineData("ldap://127.0.0.1/cn=issuer")]
    [InlineData("file:///etc/hostname")]
    [InlineData("ftp://127.0.0.1/issuer.cer")]
    [InlineData("data:application/pkix-cert;base64,MIIBAA==")]
    public async Task Non_http_schemes_are_never_fetched(string url)
    {
        using var aia = new AiaFetcher();

        var completion = await ChainCompleter.CompleteAsync([LeafWithAia(url)], fixture.Trust, aia, Now, default);

        Assert.False(completion.ReachesTrustedRoot);
        Assert.Contains(completion.AiaProblems, p => p.Contains("not http or https"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Oversized_answers_are_refused_with_or_without_a_content_length(bool streamed)
    {
        await using var repository = new LabHttpServer();
        repository.Map("big.cer", streamed
            ? new LabHttpServer.Route([], StreamBytes: 3 * 1024 * 1024)
            : new LabHttpServer.Route(new byte[2 * 1024 * 1024]));
        using var aia = new AiaFetcher();

        var completion = await ChainCompleter.CompleteAsync([LeafWithAia(repository.Url("big.cer"))], fixture.Trust, aia, Now, default);

        Assert.False(completion.ReachesTrustedRoot);
        Assert.Contains(completion.AiaProblems, p => p.Contains("more than 1024 KiB"));
    }

    [Fact]
    public async Task A_slow_repository_is_abandoned_at_the_fetch_timeout()
    {
        await using var repository = new LabHttpServer();
        repository.Map("slow.cer", new LabHttpServer.Route(fixture.Lab.Trusted.Intermediate.RawData, Delay: TimeSpan.FromSeconds(20)));
        using var aia = new AiaFetcher(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var completion = await ChainCompleter.CompleteAsync([LeafWithAia(repository.Url("slow.cer"))], fixture.Trust, aia, Now, default);

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        Assert.Contains(completion.AiaProblems, p => p.Contains("did not answer within 1 s"));
    }

    [Fact]
    public async Task At_most_ten_fetches_are_made_per_chain_and_each_url_once_per_run()
    {
        await using var repository = new LabHttpServer();
        var unrelated = fixture.Lab.Untrusted.Intermediate.Export(X509ContentType.Cert);
        var urls = Enumerable.Range(0, 15).Select(i => repository.Url($"u{i}.cer")).ToArray();
        for (var i = 0; i < urls.Length; i++)
        {
            repository.Map($"u{i}.cer", new LabHttpServer.Route(unrelated));
        }
        var leaf = LeafWithAia(urls[0], urls[1..]);
        using var aia = new AiaFetcher();

        var first = await ChainCompleter.CompleteAsync([leaf], fixture.Trust, aia, Now, default);
        var second = await ChainCompleter.CompleteAsync([leaf], fixture.Trust, aia, Now, default);

        Assert.Equal(ChainCompleter.MaxFetches, first.AiaFetches);
        Assert.Equal(ChainCompleter.MaxFetches, Enumerable.Range(0, 15).Sum(i => repository.Hits($"u{i}.cer")));
        Assert.Contains(first.AiaProblems, p => p.Contains("limit of 10 AIA fetches"));
        Assert.Equal(ChainCompleter.MaxFetches, aia.NetworkFetches);
        Assert.False(second.ReachesTrustedRoot);
    }

    [Fact]
    public async Task A_repository_answering_garbage_is_one_clear_problem()
    {
        await using var repository = new LabHttpServer();
        repository.Map("junk.cer", new LabHttpServer.Route("<html>not a certificate</html>"u8.ToArray(), "text/html"));
        using var aia = new AiaFetcher();

        var completion = await ChainCompleter.CompleteAsync([LeafWithAia(repository.Url("junk.cer"))], fixture.Trust, aia, Now, default);

        Assert.Contains(completion.AiaProblems, p => p.Contains("did not return a DER certificate or PKCS#7 bundle"));
    }
}
