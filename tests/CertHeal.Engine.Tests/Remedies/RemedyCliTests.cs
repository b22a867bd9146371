using System.Text.Json;
using System.Text.RegularExpressions;
using CertHeal.Lab;
using CertHeal.Tests.Reach;

namespace CertHeal.Tests.Remedies;

/// <summary>A lab and a real tinyproxy, plus a `certheal` on PATH for sh to find.</summary>
public sealed class RemedyCliFixture : IAsyncLifetime
{
    public LabFixture Lab { get; } = new();
    public LabDaemon TinyProxy { get; private set; } = null!;
    public string Bin { get; private set; } = "";

    public async Task InitializeAsync()
    {
        TinyProxy = await _daemons.Add(LabProxies.StartTinyProxyAsync(Lab.Lab.Folder));
        Bin = Directory.CreateDirectory(Path.Combine(Lab.Lab.Folder, "bin")).FullName;
        var shim = Path.Combine(Bin, "certheal");
        File.WriteAllText(shim, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "certheal.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private readonly LabDaemonGroup _daemons = new();

    public async Task DisposeAsync()
    {
        await _daemons.DisposeAsync();
        await Lab.DisposeAsync();
    }
}

/// <summary>
/// `certheal test` prints a Recommendation that, run by sh as printed, heals the very endpoint the
/// probe reached: same SNI, port, STARTTLS upgrade, proxy and keystore; and certheal's Reasons and
/// Recommendations name certheal's options, never a cmdlet parameter.
/// </summary>
public sealed partial class RemedyCliTests(RemedyCliFixture fixture) : IClassFixture<RemedyCliFixture>
{
    private const string ApiName = "api.certheal.test";

    [GeneratedRegex(@"(^|[\s(])-[A-Z][A-Za-z]+")]
    private static partial Regex CmdletParameter();

    private Lab.Lab Lab => fixture.Lab.Lab;

    [Theory]
    [InlineData("--sni")]
    [InlineData("--port")]
    [InlineData("--starttls")]
    [InlineData("--proxy")]
    [InlineData("--keystore")]
    public async Task Running_the_printed_Recommendation_heals_the_probed_endpoint(string option)
    {
        // Self-signed: SslStream never sends a chain's root, and the pinned certificate must reach the client.
        var leaf = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = "CN=" + ApiName, DnsNames = [ApiName, "localhost"], IpAddresses = [System.Net.IPAddress.Loopback],
        });
        await using var server = LabRemedyServer.Start(leaf, [],
            serverName: option == "--sni" ? ApiName : null, smtp: option == "--starttls");
        // The keystore test puts the store where only careful quoting reaches it.
        var folder = Directory.CreateDirectory(Path.Combine(Lab.Folder, option == "--keystore" ? $"it's a $store {Guid.NewGuid():N}" : Guid.NewGuid().ToString("N"))).FullName;
        var keystore = Path.Combine(folder, option == "--keystore" ? "trust store.pem" : "truststore.pem");
        File.Copy(Lab.WriteTrustedRootPem($"roots-{Guid.NewGuid():N}.pem"), keystore);
        string[] probe = option switch
        {
            "--sni" => [server.Target, "--sni", ApiName],
            "--port" => ["127.0.0.1", "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            "--starttls" => [server.Target, "--starttls", "smtp"],
            "--proxy" => [server.Target, "--proxy", $"http://127.0.0.1:{fixture.TinyProxy.Port}"],
            _ => [server.Target],
        };
        string[] test = ["test", .. probe, "--keystore", keystore, "--no-aia", "--json"];

        var failed = Result(await ReachProcess.CertHealAsync(test));
        var recommendation = failed.GetProperty("Recommendation").GetString()!;
        var settings = failed.GetProperty("Remedy").GetProperty("Probe");
        var chainPart = recommendation[..recommendation.IndexOf(" --out - |", StringComparison.Ordinal)];
        var chain = await ShAsync(chainPart + " --json");
        var healed = await ShAsync(recommendation);
        var after = Result(await ReachProcess.CertHealAsync(test));

        Assert.Equal("SelfSigned", failed.GetProperty("Failure").GetString());
        Assert.Equal("PinRoot", failed.GetProperty("Remedy").GetProperty("Kind").GetString());
        Assert.Equal(keystore, settings.GetProperty("Keystore").GetString());
        Assert.DoesNotMatch(CmdletParameter(), recommendation);
        Assert.DoesNotMatch(CmdletParameter(), failed.GetProperty("Reason").GetString()!);
        // The port travels in the target (host:port), every other option as itself.
        Assert.Contains(option == "--port" ? $"127.0.0.1:{server.Port} " : option, recommendation);
        Assert.True(chain.Code == 0, chain.Stderr);
        var certificates = JsonDocument.Parse(chain.Stdout).RootElement.EnumerateArray().ToList();
        Assert.NotEmpty(certificates);
        Assert.All(certificates, c => Assert.Equal(failed.GetProperty("Target").GetString(), c.GetProperty("Target").GetString()));
        Assert.All(certificates, c => Assert.Equal(failed.GetProperty("ServerName").GetString(), c.GetProperty("ServerName").GetString()));
        Assert.True(healed.Code == 0, healed.Stdout + healed.Stderr);
        Assert.Contains(leaf.Thumbprint, Thumbprints(keystore));
        Assert.True(after.GetProperty("Succeeded").GetBoolean(), after.GetProperty("Reason").GetString());
        Assert.Equal(settings.GetProperty("Keystore").GetString(), after.GetProperty("TrustedBy").GetString());
    }

    [Fact]
    public async Task Reasons_name_certheal_options_and_never_a_cmdlet_parameter()
    {
        var keystore = Lab.WriteTrustedRootPem($"roots-{Guid.NewGuid():N}.pem");
        await using var silent = Lab.Start(LabScenario.Silent);
        await using var mutual = Lab.Start(LabScenario.ClientCertificateRequired);
        await using var tls13 = Lab.Start(LabScenario.Tls13Only);
        await using var good = Lab.Start(LabScenario.GoodChain);
        (string[] Args, string Option)[] cases =
        [
            ([silent.Target, "--timeout", "1"], "--timeout"),
            ([mutual.Target], "--client-cert"),
            ([tls13.Target, "--protocol", "Tls12"], "--protocol"),
            ([good.Target, "--sni", "wrong.example"], "--sni"),
            ([good.Target, "--proxy", $"http://127.0.0.1:{LabListener.ClosedPort()}"], "--no-proxy"),
        ];
        foreach (var (args, option) in cases)
        {
            var result = Result(await ReachProcess.CertHealAsync(["test", .. args, "--keystore", keystore, "--no-aia", "--json"]));
            var reason = result.GetProperty("Reason").GetString()!;

            Assert.False(result.GetProperty("Succeeded").GetBoolean());
            Assert.Contains(option, reason);
            Assert.DoesNotMatch(CmdletParameter(), reason);
        }
    }

    private static JsonElement Result((int Code, string Stdout, string Stderr) run)
    {
        Assert.True(run.Stdout.TrimStart().StartsWith('['), run.Stderr);
        return Assert.Single(JsonDocument.Parse(run.Stdout).RootElement.EnumerateArray().ToList());
    }

    private Task<(int Code, string Stdout, string Stderr)> ShAsync(string command) =>
        ReachProcess.RunAsync("sh", ["-c", command], new Dictionary<string, string> { ["PATH"] = fixture.Bin + ":" + Environment.GetEnvironmentVariable("PATH") });

    private static List<string> Thumbprints(string pem)
    {
        var collection = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        collection.ImportFromPemFile(pem);
        return collection.Select(c => c.Thumbprint).ToList();
    }
}
