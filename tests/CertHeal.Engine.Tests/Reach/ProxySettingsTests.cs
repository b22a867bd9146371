using System.Collections;
using CertHeal.Handshake;

namespace CertHeal.Tests.Reach;

/// <summary>How HTTPS_PROXY / ALL_PROXY / NO_PROXY are read (the way curl reads them).</summary>
public sealed class ProxySettingsTests
{
    private static ProxySettings From(params (string Name, string Value)[] variables) =>
        ProxySettings.FromEnvironment(new Hashtable(variables.ToDictionary(v => v.Name, v => (object)v.Value)));

    private static TlsTarget T(string text) => TlsTarget.Parse(text);

    [Fact]
    public void HTTPS_PROXY_wins_over_ALL_PROXY_and_lower_case_is_read()
    {
        Assert.Equal(new Uri("http://proxy.example:3128"), From(("HTTPS_PROXY", "http://proxy.example:3128"), ("ALL_PROXY", "http://other:1")).Proxy);
        Assert.Equal(new Uri("http://other:1"), From(("all_proxy", "other:1")).Proxy);
        Assert.Null(From().Proxy);
        Assert.Null(From(("HTTP_PROXY", "http://plain:80")).ProxyFor(T("example.com")));
    }

    [Fact]
    public void A_bad_HTTPS_PROXY_names_the_bypass_in_the_callers_words_only()
    {
        var variables = new Hashtable { ["HTTPS_PROXY"] = "socks5://127.0.0.1:1080" };
        var cli = Assert.Throws<ArgumentException>(() => ProxySettings.FromEnvironment(variables, null, CertHeal.Cli.CliVocabulary.Instance));
        Assert.EndsWith("bypass it with --no-proxy.", cli.Message);
        var neutral = Assert.Throws<ArgumentException>(() => ProxySettings.FromEnvironment(variables));
        Assert.EndsWith("bypass it with the no-proxy option.", neutral.Message);
        Assert.DoesNotContain("-NoProxy", cli.Message + neutral.Message);
    }

    [Theory]
    [InlineData("example.com", "db.example.com:443", true)]
    [InlineData(".example.com", "db.example.com:443", true)]
    [InlineData("example.com", "example.com:443", true)]
    [InlineData("example.com", "badexample.com:443", false)]
    [InlineData("10.0.0.0/8", "10.1.2.3:443", true)]
    [InlineData("10.0.0.0/8", "11.1.2.3:443", false)]
    [InlineData("127.0.0.1", "127.0.0.1:8443", true)]
    [InlineData("::1", "[::1]:8443", true)]
    [InlineData("fd00::/8", "[fd12::5]:443", true)]
    [InlineData("db.example.com:5432", "postgres://db.example.com", true)]
    [InlineData("db.example.com:5432", "db.example.com:443", false)]
    [InlineData("*", "anything.test:443", true)]
    [InlineData("other.test, example.com", "www.example.com:443", true)]
    public void NO_PROXY_bypasses_suffixes_addresses_CIDRs_ports_and_star(string noProxy, string target, bool bypassed)
    {
        var settings = From(("HTTPS_PROXY", "http://127.0.0.1:3128"), ("NO_PROXY", noProxy));
        Assert.Equal(bypassed, settings.ProxyFor(T(target)) is null);
    }

    [Fact]
    public void Credentials_in_the_proxy_URL_are_used_but_never_shown()
    {
        var settings = From(("https_proxy", "http://alice:s%40cret@127.0.0.1:3128"));
        Assert.Equal("alice", settings.Credential!.UserName);
        Assert.Equal("s@cret", settings.Credential.Password);
        Assert.DoesNotContain("cret", ProxySettings.Describe(settings.Proxy!));
    }

    [Fact]
    public void A_proxy_that_is_not_http_is_one_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => From(("HTTPS_PROXY", "socks5://127.0.0.1:1080")));
        Assert.Contains("socks5://127.0.0.1:1080", error.Message);
        Assert.Contains("in HTTPS_PROXY/ALL_PROXY is not an http:// URL", error.Message);
    }
}
