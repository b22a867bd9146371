using System.Net;
using System.Text;
using CertHeal.Healing;
using CertHeal.Lab;

namespace CertHeal.Tests.Healing;

/// <summary>The web options of a healed request (Invoke-HealedRequest's -Authentication rules, JSON detection, `certheal request --out/--user-agent`).</summary>
public sealed class RequestWebOptionsTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private static readonly Uri Https = new("https://api.example.test/");
    private static readonly Uri Http = new("http://api.example.test/");

    private static System.Security.SecureString Secret(string text) => new NetworkCredential("", text).SecurePassword;

    [Fact]
    public void Authentication_follows_PowerShells_rules()
    {
        var credential = new NetworkCredential("alice", "pa55:word");

        Assert.Null(RequestAuthentication.Resolve(Https, HttpAuthentication.None, null, null, false));
        Assert.Null(RequestAuthentication.Resolve(Https, HttpAuthentication.None, credential, null, false));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:pa55:word")),
            RequestAuthentication.Resolve(Https, HttpAuthentication.Basic, credential, null, false)!.ToString());
        Assert.Equal("Bearer t0k", RequestAuthentication.Resolve(Https, HttpAuthentication.OAuth, null, Secret("t0k"), false)!.ToString());
        Assert.Equal("Bearer t0k", RequestAuthentication.Resolve(Http, HttpAuthentication.Bearer, null, Secret("t0k"), allowUnencrypted: true)!.ToString());

        RequestAuthenticationProblem Problem(Uri uri, HttpAuthentication kind, NetworkCredential? c, string? token)
        {
            var refusal = Assert.Throws<RequestAuthenticationException>(() => RequestAuthentication.Resolve(uri, kind, c, token is null ? null : Secret(token), false));
            // The engine speaks no host's options; the cmdlet words each problem with its parameters.
            Assert.DoesNotMatch(@"(^|[\s(])-[A-Z][A-Za-z]+|--[a-z]", refusal.Message);
            return refusal.Problem;
        }
        Assert.Equal(RequestAuthenticationProblem.CredentialNotSupplied, Problem(Https, HttpAuthentication.Basic, null, null));
        Assert.Equal(RequestAuthenticationProblem.TokenNotSupplied, Problem(Https, HttpAuthentication.Bearer, credential, null));
        Assert.Equal(RequestAuthenticationProblem.TokenConflict, Problem(Https, HttpAuthentication.Basic, credential, "t"));
        Assert.Equal(RequestAuthenticationProblem.TokenWithoutAuthentication, Problem(Https, HttpAuthentication.None, null, "t"));
        Assert.Equal(RequestAuthenticationProblem.UnencryptedAuthentication, Problem(Http, HttpAuthentication.None, credential, null));
        Assert.Equal(RequestAuthenticationProblem.UnencryptedAuthentication, Problem(Http, HttpAuthentication.Basic, credential, null));
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData("Text/JSON", true)]
    [InlineData("application/problem+json", true)]
    [InlineData("application/jsonl", false)]
    [InlineData("text/plain", false)]
    [InlineData(null, false)]
    public void Json_is_recognised_by_media_type(string? contentType, bool json) => Assert.Equal(json, ResponseContent.IsJson(contentType));

    [Fact]
    public async Task Certheal_request_writes_out_and_sends_the_user_agent_but_not_an_error_body()
    {
        var api = fixture.Lab.StartHttpsApi();
        api.Map("report.txt", new LabHttpServer.Route(Encoding.UTF8.GetBytes("day 1\n"), "text/plain"));
        api.Map("boom", new LabHttpServer.Route(Encoding.UTF8.GetBytes("on fire"), "text/plain", Status: "500 Internal Server Error"));
        var roots = fixture.Lab.WriteTrustedRootPem("web-roots.pem");
        var keystore = Path.Combine(fixture.Lab.Folder, "web-store.pem");
        var outFile = Path.Combine(fixture.Lab.Folder, "report-" + Guid.NewGuid().ToString("N")[..6] + ".txt");
        var errorFile = outFile + ".error";

        var ok = await CliProcess.RunAsync(["request", api.Url("report.txt"), "--keystore", keystore, "--out", outFile, "--user-agent", "certheal-tests/1"], roots);
        var failed = await CliProcess.RunAsync(["request", api.Url("boom"), "--keystore", keystore, "--out", errorFile], roots);

        Assert.True(ok.Code == 0, ok.Stdout + ok.Stderr);
        Assert.Equal("day 1\n", await File.ReadAllTextAsync(outFile));
        Assert.DoesNotContain("day 1", ok.Stdout, StringComparison.Ordinal);
        Assert.Equal("certheal-tests/1", api.LastRequestHeaders("report.txt")?["User-Agent"]);
        Assert.Equal(1, failed.Code);
        Assert.False(File.Exists(errorFile));
    }
}
