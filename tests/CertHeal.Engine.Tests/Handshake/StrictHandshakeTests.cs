using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests.Handshake;

/// <summary>
/// Issue #19, a verdict as strict as the strictest client: mutual TLS, cipher-only refusals,
/// finite-field DH and oversized certificate messages, each against a real server (openssl
/// s_server, or SunJSSE where this machine's OpenSSL 3 cannot serve the suite), with .NET's
/// SslStream, curl, openssl s_client and a Java client run in the same test: CertHeal's
/// ClientVerdicts must say what those clients really do. A missing tool fails the test.
/// </summary>
public sealed class StrictHandshakeTests(LabFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<LabFixture>
{
    private const string P12Password = "strict-client-pass";

    private sealed record Served(int Port, X509Certificate2 Root, string RootPem, TrustAnchors Trust, IAsyncDisposable Server) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    private static void RequireTools() => RealClients.Require("openssl", "curl", "java");

    private string WritePem(string name, params X509Certificate2[] certificates)
    {
        var path = Path.Combine(fixture.Lab.Folder, $"{name}-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, string.Concat(certificates.Select(CertificateMint.ToPem)));
        return path;
    }

    private X509Certificate2 Leaf(KeyKind key = KeyKind.EcdsaP256, IReadOnlyList<string>? moreNames = null) =>
        CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = "CN=strict.certheal.test, O=CertHeal Lab",
            Key = key,
            DnsNames = ["strict.certheal.test", "localhost", .. moreNames ?? []],
            IpAddresses = [System.Net.IPAddress.Loopback],
        }, fixture.Lab.Trusted.Intermediate);

    private async Task<Served> ServeAsync(string arguments, X509Certificate2? leaf = null)
    {
        RequireTools();
        var hierarchy = fixture.Lab.Trusted;
        var server = await OpenSslServer.StartAsync(fixture.Lab.Folder, leaf ?? Leaf(), [hierarchy.Intermediate], arguments);
        return new Served(server.Port, hierarchy.Root, WritePem("root", hierarchy.Root), TrustAnchors.FromCertificates("Lab roots", [hierarchy.Root], isSystem: true), server);
    }

    /// <summary>A client certificate from the lab's trusted hierarchy, in every form the real clients take.</summary>
    private ClientCredential Client()
    {
        var hierarchy = fixture.Lab.Trusted;
        var client = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=strict mtls client, O=CertHeal Lab", ClientAuth = true }, hierarchy.Intermediate);
        var id = Guid.NewGuid().ToString("N")[..8];
        var cert = Path.Combine(fixture.Lab.Folder, $"strict-client-{id}.crt");
        var key = Path.Combine(fixture.Lab.Folder, $"strict-client-{id}.key");
        CertificateMint.WritePemWithKey(client, cert, key);
        File.AppendAllText(cert, CertificateMint.ToPem(hierarchy.Intermediate));
        var p12 = Path.Combine(fixture.Lab.Folder, $"strict-client-{id}.p12");
        File.WriteAllBytes(p12, new X509Certificate2Collection { client, hierarchy.Intermediate }.Export(X509ContentType.Pkcs12, P12Password)!);
        return new ClientCredential(client, cert, key, p12, P12Password);
    }

    private static Task<HandshakeResult> ProbeAsync(Served served, X509Certificate2? clientCertificate = null) =>
        HandshakeProbe.ProbeAsync(TlsTarget.Parse($"127.0.0.1:{served.Port}"), new ProbeOptions
        {
            Trust = served.Trust,
            Timeout = TimeSpan.FromSeconds(20),
            ClientCertificate = clientCertificate,
        }, CancellationToken.None);

    /// <summary>Runs the real clients (with the client certificate when given) and asserts each ClientVerdict says what its client did.</summary>
    /// <param name="request">Send a request and read the answer (always with a client certificate): a TLS 1.3 server refuses a client only after the client's handshake.</param>
    private async Task<string> AssertRealClientsAgreeAsync(HandshakeResult result, Served served, ClientCredential? client = null, bool request = false)
    {
        var verdicts = result.ClientVerdicts.ToDictionary(v => v.Client);
        Assert.Equal(4, verdicts.Count);
        Assert.All(verdicts.Values, v => Assert.Equal(v.Accepts, v.Check == VerdictCheck.None));
        var dotnet = await RealClients.DotNetAsync(served.Port, served.Root, client, request);
        var curl = await RealClients.CurlAsync(served.Port, served.RootPem, client);
        var sClient = await RealClients.OpenSslAsync(served.Port, served.RootPem, client, request);
        var java = await RealClients.JavaAsync(served.Port, served.RootPem, client, request);
        var seen = $".NET: {dotnet}; curl: {curl}; openssl: {sClient}; java: {java}; verdicts: {string.Join("; ", result.ClientVerdicts.Select(v => v.ToString()))}";
        output.WriteLine($"{result.Failure}: {result.Reason}");
        output.WriteLine(seen);
        Assert.True(dotnet.Ok == verdicts[ClientFamily.DotNet].Accepts, seen);
        Assert.True(curl.Ok == verdicts[ClientFamily.OpenSsl].Accepts, seen);
        Assert.True(sClient.Ok == verdicts[ClientFamily.OpenSsl].Accepts, seen);
        Assert.True(java.Ok == verdicts[ClientFamily.Java].Accepts, seen);
        return seen;
    }

    [Theory]
    [InlineData("-tls1_3")]
    [InlineData("-tls1_2")]
    public async Task Client_certificate_from_a_CA_the_server_does_not_accept_is_ClientCertificateRejected_naming_the_alert_and_the_acceptable_CAs(string version)
    {
        var other = fixture.Lab.Untrusted.Root;
        await using var served = await ServeAsync($"{version} -Verify 1 -verify_return_error -CAfile \"{WritePem("other-ca", other)}\"");
        var client = Client();

        var result = await ProbeAsync(served, client.Certificate);

        Assert.False(result.Succeeded, result.Reason);
        Assert.True(result.Failure == HandshakeFailure.ClientCertificateRejected, $"{result.Failure}: {result.Reason}");
        Assert.False(result.Healable);
        Assert.Contains("unknown ca", result.Reason);
        Assert.Equal([other.Subject], result.AcceptableClientCertificateIssuers);
        Assert.False(result.ClientCertificateChainsToAcceptable);
        Assert.Contains(other.Subject, result.Reason);
        Assert.Contains(fixture.Lab.Trusted.Intermediate.Subject, result.Reason);
        Assert.Equal(version == "-tls1_3" ? "Tls13" : "Tls12", result.Protocol);
        Assert.All(result.ClientVerdicts, v => Assert.Equal(VerdictCheck.ClientCertificate, v.Check));
        Assert.Contains("key manager sends no client certificate", result.ClientVerdicts.Single(v => v.Client == ClientFamily.Java).Reason);
        await AssertRealClientsAgreeAsync(result, served, client);
    }

    [Fact]
    public async Task Client_certificate_the_server_accepts_succeeds_and_chains_to_an_acceptable_CA()
    {
        var hierarchy = fixture.Lab.Trusted;
        await using var served = await ServeAsync($"-Verify 1 -verify_return_error -CAfile \"{WritePem("lab-ca", hierarchy.Root, hierarchy.Intermediate)}\"");
        var client = Client();

        var result = await ProbeAsync(served, client.Certificate);

        Assert.True(result.Succeeded, result.Reason);
        Assert.True(result.Failure == HandshakeFailure.None, $"{result.Failure}: {result.Reason}");
        Assert.Equal("Tls13", result.Protocol);
        Assert.Contains(hierarchy.Root.Subject, result.AcceptableClientCertificateIssuers);
        Assert.True(result.ClientCertificateChainsToAcceptable);
        Assert.All(result.ClientVerdicts, v => Assert.True(v.Accepts, v.ToString()));
        await AssertRealClientsAgreeAsync(result, served, client);
    }

    [Fact]
    public async Task Server_that_asks_for_a_client_certificate_but_ignores_its_verification_succeeds_as_real_clients_do_and_says_the_names_disagree()
    {
        // openssl s_server -Verify without -verify_return_error asks for a certificate, logs the
        // verification error and carries on: curl, openssl and Java connect, so CertHeal must not
        // invent a rejection, but it must say the certificate does not chain to the named CAs.
        var other = fixture.Lab.Untrusted.Root;
        await using var served = await ServeAsync($"-tls1_3 -Verify 1 -CAfile \"{WritePem("other-ca", other)}\"");
        var client = Client();

        var result = await ProbeAsync(served, client.Certificate);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal([other.Subject], result.AcceptableClientCertificateIssuers);
        Assert.False(result.ClientCertificateChainsToAcceptable);
        Assert.Contains("does not chain to the CAs the server names", result.Reason);
        var seen = await AssertRealClientsAgreeAsync(result, served, client);
        Assert.True(result.ClientVerdicts.Single(v => v.Client == ClientFamily.OpenSsl).Accepts, seen);
        // Java's key manager offers no certificate outside the named CAs, and -Verify refuses a client without one.
        Assert.Equal(VerdictCheck.ClientCertificate, result.ClientVerdicts.Single(v => v.Client == ClientFamily.Java).Check);
    }

    [Fact]
    public async Task No_client_certificate_given_to_a_server_that_requires_one_is_ClientCertificateRequired()
    {
        var hierarchy = fixture.Lab.Trusted;
        await using var served = await ServeAsync($"-Verify 1 -verify_return_error -CAfile \"{WritePem("lab-ca", hierarchy.Root)}\"");

        var result = await ProbeAsync(served);

        Assert.False(result.Succeeded, result.Reason);
        Assert.True(result.Failure == HandshakeFailure.ClientCertificateRequired, $"{result.Failure}: {result.Reason}");
        Assert.False(result.Healable);
        Assert.Equal([hierarchy.Root.Subject], result.AcceptableClientCertificateIssuers);
        Assert.Null(result.ClientCertificateChainsToAcceptable);
        Assert.Contains(hierarchy.Root.Subject, result.Reason);
        Assert.All(result.ClientVerdicts, v => Assert.Equal(VerdictCheck.ClientCertificate, v.Check));
        await AssertRealClientsAgreeAsync(result, served, request: true);
    }

    [Fact]
    public async Task Server_offering_only_3DES_is_CipherMismatch_not_ProtocolMismatch()
    {
        RequireTools();
        var hierarchy = fixture.Lab.Trusted;
        await using var server = await JsseServer.StartAsync(fixture.Lab.Folder, Leaf(KeyKind.Rsa2048), [hierarchy.Intermediate], "TLSv1.2",
            "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA");
        await using var served = new Served(server.Port, hierarchy.Root, WritePem("root", hierarchy.Root),
            TrustAnchors.FromCertificates("Lab roots", [hierarchy.Root], isSystem: true), server);

        var result = await ProbeAsync(served);

        Assert.False(result.Succeeded, result.Reason);
        Assert.True(result.Failure == HandshakeFailure.CipherMismatch, $"{result.Failure}: {result.Reason}");
        Assert.Equal(TlsStack.BouncyCastle, result.CapturedBy);
        Assert.Equal(["Tls12"], result.ServerProtocols);
        Assert.Contains("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", result.ServerCipherSuites);
        Assert.DoesNotContain("modern TLS version", result.Reason);
        Assert.All(result.ClientVerdicts, v => Assert.Equal(VerdictCheck.CipherSuite, v.Check));
        await AssertRealClientsAgreeAsync(result, served);
    }

    [Fact]
    public async Task Server_with_1024_bit_DHE_only_is_refused_by_OpenSsl_for_its_key_exchange_and_accepted_by_Java()
    {
        var dh = Path.Combine(fixture.Lab.Folder, $"dh1024-{Guid.NewGuid():N}.pem");
        var (code, _, stderr) = await Tools.RunAsync("openssl", ["dhparam", "-out", dh, "1024"], timeoutSeconds: 120);
        Assert.True(code == 0, stderr);
        await using var served = await ServeAsync($"-tls1_2 -dhparam \"{dh}\" -cipher DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", Leaf(KeyKind.Rsa2048));

        var result = await ProbeAsync(served);

        Assert.False(result.Succeeded, result.Reason);
        Assert.True(result.Failure == HandshakeFailure.CipherMismatch, $"{result.Failure}: {result.Reason}");
        Assert.Contains("DH key too small (1024 bits)", result.Reason);
        Assert.Equal("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", result.CipherSuite);
        var verdicts = result.ClientVerdicts.ToDictionary(v => v.Client);
        Assert.Equal(VerdictCheck.KeyExchange, verdicts[ClientFamily.OpenSsl].Check);
        Assert.Contains("1024", verdicts[ClientFamily.OpenSsl].Reason);
        Assert.True(verdicts[ClientFamily.Java].Accepts, verdicts[ClientFamily.Java].ToString());
        Assert.False(verdicts[ClientFamily.Browser].Accepts);
        await AssertRealClientsAgreeAsync(result, served);
    }

    [Fact]
    public async Task Chain_with_10000_SANs_is_refused_by_the_clients_whose_certificate_message_limit_it_exceeds()
    {
        var names = Enumerable.Range(0, 10_000).Select(i => $"n{i}.x.test").ToArray();
        await using var served = await ServeAsync("", Leaf(moreNames: names));
        var clock = Stopwatch.StartNew();

        var result = await ProbeAsync(served);

        clock.Stop();
        Assert.True(result.PresentedChain.Length > 0, $"{result.Failure}: {result.Reason}");
        Assert.Contains(result.PresentedChain[0].DnsNames, n => n == "n9999.x.test");
        var verdicts = result.ClientVerdicts.ToDictionary(v => v.Client);
        Assert.Equal(VerdictCheck.MessageSize, verdicts[ClientFamily.OpenSsl].Check);
        Assert.Contains("102400", verdicts[ClientFamily.OpenSsl].Reason);
        Assert.Equal(VerdictCheck.MessageSize, verdicts[ClientFamily.Java].Check);
        Assert.Equal(VerdictCheck.MessageSize, verdicts[ClientFamily.Browser].Check);
        Assert.False(result.Succeeded, result.Reason);
        Assert.True(result.Failure == HandshakeFailure.Other, $"{result.Failure}: {result.Reason}");
        Assert.Contains("too large for strict clients", result.Reason);
        Assert.Contains("jdk.tls.maxHandshakeMessageSize (32768)", verdicts[ClientFamily.Java].Reason);
        await AssertRealClientsAgreeAsync(result, served);
    }
}
