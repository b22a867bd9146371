using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace CertHeal.Tests.Handshake;

/// <summary>A client certificate as each real client takes it: PEM certificate and key (curl, openssl), PKCS#12 (Java), X509Certificate2 (.NET).</summary>
internal sealed record ClientCredential(X509Certificate2 Certificate, string CertPem, string KeyPem, string P12, string Password);

/// <summary>
/// The real clients a ClientVerdict speaks for, run against one loopback server with default settings.
/// With a client certificate each also sends a request and reads the answer: a TLS 1.3 server judges
/// the client certificate after the client's handshake has finished, so a handshake alone proves nothing.
/// </summary>
internal static partial class RealClients
{
    /// <summary>.NET's SslStream with default protocols and cipher suites, trusting only the given roots.</summary>
    public static async Task<(bool Ok, string Detail)> DotNetAsync(int port, X509Certificate2 root, ClientCredential? client = null, bool request = false)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await tcp.ConnectAsync("127.0.0.1", port, timeout.Token);
            await using var tls = new SslStream(tcp.GetStream());
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.Add(root);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                CertificateChainPolicy = policy,
                RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None,
                ClientCertificates = client is null ? null : [client.Certificate],
            }, timeout.Token);
            if ((client is not null || request) && !await AnswersHttpAsync(tls, timeout.Token))
            {
                return (false, "no HTTP answer after the handshake");
            }
            return (true, $"{tls.SslProtocol} {tls.NegotiatedCipherSuite}");
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException or OperationCanceledException)
        {
            return (false, e.Message);
        }
    }

    private static async Task<bool> AnswersHttpAsync(SslStream tls, CancellationToken token)
    {
        await tls.WriteAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), token);
        var head = new byte[5];
        await tls.ReadExactlyAsync(head, token);
        return System.Text.Encoding.ASCII.GetString(head) == "HTTP/";
    }

    public static async Task<(bool Ok, string Detail)> CurlAsync(int port, string rootPem, ClientCredential? client = null)
    {
        string[] credential = client is null ? [] : ["--cert", client.CertPem, "--key", client.KeyPem];
        var (code, _, stderr) = await Tools.RunAsync("curl", ["-sS", "-o", "/dev/null", "--max-time", "15", "--cacert", rootPem, .. credential, $"https://127.0.0.1:{Port(port)}/"]);
        return (code == 0, stderr.Trim());
    }

    public static async Task<(bool Ok, string Detail)> OpenSslAsync(int port, string rootPem, ClientCredential? client = null, bool request = false)
    {
        if (client is not null || request)
        {
            string[] credential = client is null ? [] : ["-cert", client.CertPem, "-key", client.KeyPem];
            var (mutualCode, mutualOut, mutualErr) = await Tools.RunAsync("openssl",
                ["s_client", "-connect", $"127.0.0.1:{Port(port)}", "-CAfile", rootPem, "-verify_return_error", "-verify_ip", "127.0.0.1",
                 .. credential, "-ign_eof", "-quiet"], stdin: "GET / HTTP/1.0\r\n\r\n", timeoutSeconds: 30);
            return (mutualCode == 0 && mutualOut.StartsWith("HTTP/", StringComparison.Ordinal), mutualErr.Trim());
        }
        var (code, stdout, stderr) = await Tools.RunAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{Port(port)}", "-CAfile", rootPem, "-verify_return_error", "-verify_ip", "127.0.0.1"], stdin: "", timeoutSeconds: 30);
        var ok = code == 0 && stdout.Contains("Verify return code: 0 (ok)", StringComparison.Ordinal);
        return (ok, stderr.Trim() + " " + Regex.Match(stdout, "Verify return code: .*").Value);
    }

    public static async Task<(bool Ok, string Detail)> JavaAsync(int port, string rootPem, ClientCredential? client = null, bool request = false)
    {
        string[] credential = client is not null ? [client.P12, client.Password] : request ? ["-request"] : [];
        var (code, stdout, stderr) = await Tools.RunAsync("java",
            [Path.Combine(AppContext.BaseDirectory, "Handshake", "VerdictProbe.java"), "127.0.0.1", Port(port), rootPem, .. credential], timeoutSeconds: 120);
        return (code == 0 && stdout.StartsWith("OK", StringComparison.Ordinal), (stdout + stderr).Trim());
    }

    /// <summary>The chain `openssl s_client -showcerts` prints, as SHA-1 thumbprints in the order sent.</summary>
    public static async Task<string[]> ShowCertsAsync(int port, params string[] options)
    {
        var (_, stdout, _) = await Tools.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{Port(port)}", "-showcerts", .. options], stdin: "", timeoutSeconds: 30);
        return PemBlock().Matches(stdout).Select(m => X509Certificate2.CreateFromPem(m.Value).Thumbprint).ToArray();
    }

    /// <summary>Fails the test when a tool is missing: xunit 2.9 cannot skip at run time, and a test that cannot run must not pass.</summary>
    public static void Require(params string[] tools)
    {
        foreach (var tool in tools)
        {
            var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(dir => File.Exists(Path.Combine(dir, tool)));
            Assert.True(found, $"{tool} is not on PATH; CI installs openssl, curl and a JDK for these tests.");
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----")]
    private static partial Regex PemBlock();
}
