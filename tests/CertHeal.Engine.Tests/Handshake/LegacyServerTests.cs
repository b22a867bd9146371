using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests.Handshake;

/// <summary>
/// Servers users really have, served by openssl s_server: each asserts the exact chain (as
/// `openssl s_client -showcerts` with matching options prints it), the Failure, and every
/// ClientVerdict that a real client on this machine can confirm (SslStream with defaults, curl,
/// openssl s_client, a Java client), run in the same test.
/// </summary>
public sealed class LegacyServerTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private static CertificateMint.Spec LeafSpec(KeyKind key, HashAlgorithmName? hash = null) => new()
    {
        Subject = "CN=legacy.certheal.test, O=CertHeal Lab",
        Key = key,
        DnsNames = ["legacy.certheal.test", "localhost"],
        IpAddresses = [System.Net.IPAddress.Loopback],
        Hash = hash ?? HashAlgorithmName.SHA256,
    };

    private sealed record Served(OpenSslServer Server, X509Certificate2[] Presented, X509Certificate2 Root, string RootPem, TrustAnchors Trust) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    private async Task<Served> ServeAsync(X509Certificate2 leaf, X509Certificate2 intermediate, X509Certificate2 root, string arguments)
    {
        var server = await OpenSslServer.StartAsync(fixture.Lab.Folder, leaf, [intermediate], arguments);
        var rootPem = Path.Combine(fixture.Lab.Folder, $"root-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(rootPem, CertificateMint.ToPem(root));
        return new Served(server, [leaf, intermediate], root, rootPem, TrustAnchors.FromCertificates("Lab roots", [root], isSystem: true));
    }

    /// <summary>A leaf (with the given key) from the lab's trusted hierarchy, served with its intermediate.</summary>
    private Task<Served> ServeLabLeafAsync(KeyKind key, string arguments)
    {
        var hierarchy = fixture.Lab.Trusted;
        return ServeAsync(CertificateMint.Issue(LeafSpec(key), hierarchy.Intermediate), hierarchy.Intermediate, hierarchy.Root, arguments);
    }

    private static Task<HandshakeResult> ProbeAsync(Served served, TlsProtocol? protocol = null, int? port = null) =>
        HandshakeProbe.ProbeAsync(TlsTarget.Parse($"127.0.0.1:{port ?? served.Server.Port}"), new ProbeOptions
        {
            Trust = served.Trust,
            Timeout = TimeSpan.FromSeconds(20),
            Protocol = protocol,
        }, CancellationToken.None);

    /// <summary>Asserts the expected verdicts, and that the real .NET, curl, openssl and Java clients agree.</summary>
    private static async Task AssertVerdictsAsync(HandshakeResult result, Served served, bool dotnet, bool openssl, bool java, bool browser,
        VerdictCheck? dotnetCheck = null, VerdictCheck? opensslCheck = null, VerdictCheck? browserCheck = null)
    {
        var verdicts = result.ClientVerdicts.ToDictionary(v => v.Client);
        Assert.Equal(4, verdicts.Count);
        Assert.True(dotnet == verdicts[ClientFamily.DotNet].Accepts, verdicts[ClientFamily.DotNet].ToString());
        Assert.True(openssl == verdicts[ClientFamily.OpenSsl].Accepts, verdicts[ClientFamily.OpenSsl].ToString());
        Assert.True(java == verdicts[ClientFamily.Java].Accepts, verdicts[ClientFamily.Java].ToString());
        Assert.True(browser == verdicts[ClientFamily.Browser].Accepts, verdicts[ClientFamily.Browser].ToString());
        if (dotnetCheck is { } d)
        {
            Assert.Equal(d, verdicts[ClientFamily.DotNet].Check);
        }
        if (opensslCheck is { } o)
        {
            Assert.Equal(o, verdicts[ClientFamily.OpenSsl].Check);
        }
        if (browserCheck is { } b)
        {
            Assert.Equal(b, verdicts[ClientFamily.Browser].Check);
        }
        Assert.All(verdicts.Values, v => Assert.Equal(v.Accepts, v.Check == VerdictCheck.None));

        var port = served.Server.Port;
        var realDotNet = await RealClients.DotNetAsync(port, served.Root);
        var curl = await RealClients.CurlAsync(port, served.RootPem);
        var sClient = await RealClients.OpenSslAsync(port, served.RootPem);
        var realJava = await RealClients.JavaAsync(port, served.RootPem);
        Assert.True(realDotNet.Ok == dotnet, ".NET: " + realDotNet.Detail);
        Assert.True(curl.Ok == openssl, "curl: " + curl.Detail);
        Assert.True(sClient.Ok == openssl, "openssl s_client: " + sClient.Detail);
        Assert.True(realJava.Ok == java, "java: " + realJava.Detail);
    }

    [Fact]
    public async Task The_probe_offers_the_platform_list_first_and_the_broad_list_only_on_a_new_connection_after_a_refusal_before_any_certificate()
    {
        // A server .NET's own list reaches: one connection. One that refuses it (CHACHA20 only, before
        // sending a certificate): a second connection with the broad list, which it accepts.
        await using var common = await ServeLabLeafAsync(KeyKind.EcdsaP256, "-tls1_2");
        await using var chacha = await ServeLabLeafAsync(KeyKind.EcdsaP256, "-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305");
        await using var toCommon = Forwarder(common.Server.Port);
        await using var toChacha = Forwarder(chacha.Server.Port);

        var reached = await ProbeAsync(common, port: toCommon.Port);
        var widened = await ProbeAsync(chacha, port: toChacha.Port);

        Assert.True(reached.Succeeded, reached.Reason);
        Assert.Equal(1, toCommon.Connections);
        Assert.True(widened.Succeeded, widened.Reason);
        Assert.Equal("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", widened.CipherSuite);
        Assert.Equal(2, toChacha.Connections);
    }

    [Fact]
    public async Task A_port_that_does_not_speak_TLS_is_NotTls_from_one_connection()
    {
        // Only a TLS refusal of the offer earns the second, broad-list connection.
        await using var counted = new LabListener(async (stream, token) =>
        {
            _ = await stream.ReadAsync(new byte[4096], token);
            await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), token);
        });

        var result = await HandshakeProbe.ProbeAsync(TlsTarget.Parse(counted.Target), new ProbeOptions
        {
            Trust = TrustAnchors.FromCertificates("Lab roots", [fixture.Lab.Trusted.Root], isSystem: true),
            Timeout = TimeSpan.FromSeconds(20),
        }, CancellationToken.None);

        Assert.Equal(HandshakeFailure.NotTls, result.Failure);
        Assert.Equal(1, counted.Connections);
    }

    /// <summary>A lab port that counts the connections made to it and pipes each to <paramref name="port"/>.</summary>
    private static LabListener Forwarder(int port) => new(async (client, token) =>
    {
        using var server = new System.Net.Sockets.TcpClient();
        await server.ConnectAsync(System.Net.IPAddress.Loopback, port, token);
        var stream = server.GetStream();
        await Task.WhenAny(client.CopyToAsync(stream, token), stream.CopyToAsync(client, token));
    });

    [Fact]
    public async Task Chacha20_only_server_handshakes_with_the_broad_suite_policy_and_dotnet_defaults_are_judged_to_fail()
    {
        await using var served = await ServeLabLeafAsync(KeyKind.EcdsaP256, "-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305");

        var result = await ProbeAsync(served);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(HandshakeFailure.None, result.Failure);
        Assert.Equal(TlsStack.Platform, result.CapturedBy);
        Assert.Equal("Tls12", result.Protocol);
        Assert.Equal("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", result.CipherSuite);
        Assert.Equal(await RealClients.ShowCertsAsync(served.Server.Port), result.PresentedChain.Select(c => c.Thumbprint));
        Assert.Equal(served.Presented.Select(c => c.Thumbprint), result.PresentedChain.Select(c => c.Thumbprint));
        await AssertVerdictsAsync(result, served, dotnet: false, openssl: true, java: true, browser: true, dotnetCheck: VerdictCheck.CipherSuite);
    }

    [Fact]
    public async Task Rsa_key_exchange_only_server_handshakes_and_browsers_are_judged_to_refuse_it()
    {
        await using var served = await ServeLabLeafAsync(KeyKind.Rsa2048, "-tls1_2 -cipher AES128-SHA");

        var result = await ProbeAsync(served);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(TlsStack.Platform, result.CapturedBy);
        Assert.Equal("TLS_RSA_WITH_AES_128_CBC_SHA", result.CipherSuite);
        Assert.Equal(await RealClients.ShowCertsAsync(served.Server.Port), result.PresentedChain.Select(c => c.Thumbprint));
        await AssertVerdictsAsync(result, served, dotnet: false, openssl: true, java: true, browser: false,
            dotnetCheck: VerdictCheck.CipherSuite, browserCheck: VerdictCheck.CipherSuite);
    }

    [Fact]
    public async Task Tls10_only_server_is_captured_with_bouncycastle_and_the_local_policy_is_named()
    {
        await using var served = await ServeLabLeafAsync(KeyKind.Rsa2048, "-tls1 -cipher DEFAULT@SECLEVEL=0");

        var result = await ProbeAsync(served);

        Assert.False(result.Succeeded);
        Assert.Equal(HandshakeFailure.ProtocolMismatch, result.Failure);
        Assert.Equal(TlsStack.BouncyCastle, result.CapturedBy);
        Assert.Equal("Tls", result.Protocol);
        Assert.Equal(["Tls"], result.ServerProtocols);
        Assert.NotEmpty(result.ServerCipherSuites);
        Assert.Contains(result.CipherSuite, result.ServerCipherSuites);
        Assert.Contains("this machine's TLS policy forbids", result.Reason);
        Assert.Contains("BouncyCastle", result.Reason);
        Assert.Equal(await RealClients.ShowCertsAsync(served.Server.Port, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0"), result.PresentedChain.Select(c => c.Thumbprint));
        Assert.Equal(served.Presented.Select(c => c.Thumbprint), result.PresentedChain.Select(c => c.Thumbprint));
        await AssertVerdictsAsync(result, served, dotnet: false, openssl: false, java: false, browser: false,
            dotnetCheck: VerdictCheck.Protocol, opensslCheck: VerdictCheck.Protocol, browserCheck: VerdictCheck.Protocol);

        // -Protocol Tls10: forbidden here, accepted by the server; TLS 1.3 only: refused by the server.
        Assert.True(TlsProtocols.TryParse("Tls10", out var named));
        var tls10 = await ProbeAsync(served, named);
        Assert.Equal(HandshakeFailure.ProtocolMismatch, tls10.Failure);
        Assert.Equal(TlsStack.BouncyCastle, tls10.CapturedBy);
        Assert.Contains("this machine's TLS policy forbids", tls10.Reason);
        var tls13 = await ProbeAsync(served, TlsProtocol.Tls13);
        Assert.Equal(HandshakeFailure.ProtocolMismatch, tls13.Failure);
        Assert.Null(tls13.CapturedBy);
        Assert.Contains("refuses TLS 1.3", tls13.Reason);

        // certheal test --protocol Tls10 --json: the same verdict, CapturedBy and ClientVerdicts in the JSON.
        var stdout = new StringWriter();
        var code = await CertHeal.Cli.CliApp.RunAsync(["test", $"127.0.0.1:{served.Server.Port}", "--protocol", "Tls10", "--keystore", served.RootPem, "--json", "--timeout", "20"],
            stdout, new StringWriter(), default);
        Assert.Equal(1, code);
        var json = System.Text.Json.JsonDocument.Parse(stdout.ToString()).RootElement[0];
        Assert.Equal("ProtocolMismatch", json.GetProperty("Failure").GetString());
        Assert.Equal("BouncyCastle", json.GetProperty("CapturedBy").GetString());
        Assert.Equal(4, json.GetProperty("ClientVerdicts").GetArrayLength());
        Assert.Equal("Java", json.GetProperty("ClientVerdicts")[2].GetProperty("Client").GetString());
        Assert.False(json.GetProperty("ClientVerdicts")[2].GetProperty("Accepts").GetBoolean());
    }

    [Theory]
    [InlineData("Tls10", TlsProtocol.Tls)]
    [InlineData("Tls", TlsProtocol.Tls)]
    [InlineData("TLS 1.0", TlsProtocol.Tls)]
    [InlineData("TLSv1.1", TlsProtocol.Tls11)]
    [InlineData("1.2", TlsProtocol.Tls12)]
    [InlineData("tls13", TlsProtocol.Tls13)]
    public void Protocol_names_users_write_are_read(string text, TlsProtocol expected)
    {
        Assert.True(TlsProtocols.TryParse(text, out var protocol));
        Assert.Equal(expected, protocol);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Ssl3")]
    [InlineData("Tls14")]
    public void Other_protocol_names_are_refused(string text) => Assert.False(TlsProtocols.TryParse(text, out _));

    [Fact]
    public async Task Sha1_signed_leaf_under_a_private_ca_is_a_weak_signature_that_openssl_refuses_and_java_accepts()
    {
        using var hierarchy = LabHierarchy.Create("Sha1 Private", KeyKind.Rsa2048);
        var leaf = CertificateMint.Issue(LeafSpec(KeyKind.Rsa2048, HashAlgorithmName.SHA1), hierarchy.Intermediate);
        await using var served = await ServeAsync(leaf, hierarchy.Intermediate, hierarchy.Root, "-cipher DEFAULT@SECLEVEL=0");

        var result = await ProbeAsync(served);

        Assert.False(result.Succeeded);
        Assert.Equal(HandshakeFailure.WeakSignature, result.Failure);
        Assert.False(result.Healable);
        Assert.Contains("SHA-1", result.Reason);
        Assert.Equal(await RealClients.ShowCertsAsync(served.Server.Port), result.PresentedChain.Select(c => c.Thumbprint));
        await AssertVerdictsAsync(result, served, dotnet: true, openssl: false, java: true, browser: false,
            opensslCheck: VerdictCheck.SignatureAlgorithm, browserCheck: VerdictCheck.SignatureAlgorithm);
    }

    [Fact]
    public async Task Rsa1024_leaf_is_a_weak_key_judged_per_client()
    {
        await using var served = await ServeLabLeafAsync(KeyKind.Rsa1024, "-cipher DEFAULT@SECLEVEL=0");

        var result = await ProbeAsync(served);

        Assert.False(result.Succeeded);
        Assert.Equal(HandshakeFailure.WeakKey, result.Failure);
        Assert.Contains("1024", result.Reason);
        Assert.Equal(await RealClients.ShowCertsAsync(served.Server.Port), result.PresentedChain.Select(c => c.Thumbprint));
        await AssertVerdictsAsync(result, served, dotnet: true, openssl: false, java: true, browser: false,
            opensslCheck: VerdictCheck.KeySize, browserCheck: VerdictCheck.KeySize);
    }

    [Fact]
    public async Task Server_whose_only_suite_this_machine_forbids_is_a_cipher_mismatch_naming_both_sides()
    {
        // NULL-SHA256 (no encryption) needs security level 0: the server allows it, this machine's OpenSSL does not.
        await using var served = await ServeLabLeafAsync(KeyKind.Rsa2048, "-tls1_2 -cipher NULL-SHA256@SECLEVEL=0");

        var result = await ProbeAsync(served);

        Assert.True(HandshakeFailure.CipherMismatch == result.Failure, result.Reason);
        Assert.True(TlsStack.BouncyCastle == result.CapturedBy, result.Reason);
        Assert.Equal(["TLS_RSA_WITH_NULL_SHA256"], result.ServerCipherSuites);
        Assert.Contains("no cipher suite in common: the server offers TLS_RSA_WITH_NULL_SHA256, this client offers", result.Reason);
        Assert.Equal(await RealClients.ShowCertsAsync(served.Server.Port, "-cipher", "NULL-SHA256@SECLEVEL=0"), result.PresentedChain.Select(c => c.Thumbprint));
        Assert.False((await RealClients.CurlAsync(served.Server.Port, served.RootPem)).Ok);
    }

    [Fact]
    public async Task Tls10_only_server_chain_is_collected_merged_and_confirmed_through_the_bouncycastle_capture()
    {
        await using var served = await ServeLabLeafAsync(KeyKind.Rsa2048, "-tls1 -cipher DEFAULT@SECLEVEL=0");
        var target = TlsTarget.Parse($"127.0.0.1:{served.Server.Port}");
        var keystore = Path.Combine(fixture.Lab.Folder, $"legacy-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(keystore, CertificateMint.ToPem(served.Root));

        var chain = await CertHeal.Chains.ChainCollector.CollectAsync(target, new CertHeal.Chains.ChainOptions
        {
            Probe = new ProbeOptions { Trust = CertHeal.Keystores.TrustStoreLoader.Load(keystore), Timeout = TimeSpan.FromSeconds(20) },
        }, default);
        Assert.Equal(TlsStack.BouncyCastle, chain.Handshake.CapturedBy);
        Assert.Equal(served.Presented.Select(c => c.Thumbprint), chain.Certificates.Where(c => c.Source == CertificateSource.Presented).Select(c => c.Thumbprint));

        var change = CertHeal.Keystores.KeystoreMerger.Merge(keystore, null, null,
            chain.Path.Select(c => CertHeal.Chains.CertificateInput.FromPem(c.Pem)).ToList(),
            new CertHeal.Keystores.MergeOptions { System = served.Trust }, new CertHeal.Keystores.SaveOptions(), [target]);
        Assert.True(change.Written);
        Assert.Equal(1, change.Added);

        var report = await CertHeal.Validation.KeystoreValidator.ValidateFileAsync(keystore, null, null,
            new CertHeal.Validation.ValidationOptions { Endpoints = [target], Timeout = TimeSpan.FromSeconds(20) }, default);
        Assert.True(report.IsValid, string.Join(" | ", report.Findings.Select(f => f.Message)));
        var endpoint = Assert.Single(report.Endpoints);
        Assert.Equal(HandshakeFailure.ProtocolMismatch, endpoint.Failure);
        Assert.Equal(keystore, endpoint.TrustedBy);
    }

    [Fact]
    public async Task Modern_server_is_accepted_by_every_client_and_a_leaf_only_one_by_none_that_cannot_fetch_aia()
    {
        var hierarchy = fixture.Lab.Trusted;
        await using var good = await ServeAsync(CertificateMint.Issue(LeafSpec(KeyKind.EcdsaP256), hierarchy.Intermediate), hierarchy.Intermediate, hierarchy.Root, "");
        var leafOnlyLeaf = CertificateMint.Issue(LeafSpec(KeyKind.EcdsaP256), hierarchy.Intermediate);
        await using var leafOnlyServer = await OpenSslServer.StartAsync(fixture.Lab.Folder, leafOnlyLeaf, []);
        var leafOnly = good with { Server = leafOnlyServer, Presented = [leafOnlyLeaf] };

        var ok = await ProbeAsync(good);
        var incomplete = await ProbeAsync(leafOnly);

        Assert.True(ok.Succeeded, ok.Reason);
        Assert.Equal(TlsStack.Platform, ok.CapturedBy);
        await AssertVerdictsAsync(ok, good, dotnet: true, openssl: true, java: true, browser: true);
        Assert.Equal(HandshakeFailure.IncompleteChain, incomplete.Failure);
        Assert.Equal(await RealClients.ShowCertsAsync(leafOnlyServer.Port), incomplete.PresentedChain.Select(c => c.Thumbprint));
        // No AIA URL in the leaf: even the clients that fetch AIA (.NET on Linux, browsers) cannot complete it.
        await AssertVerdictsAsync(incomplete, leafOnly, dotnet: false, openssl: false, java: false, browser: false,
            dotnetCheck: VerdictCheck.IncompleteChain, opensslCheck: VerdictCheck.IncompleteChain, browserCheck: VerdictCheck.IncompleteChain);
    }
}
