using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace CertHeal.Tests.Handshake;

/// <summary>The real clients a ClientVerdict speaks for, run against one loopback server with default settings.</summary>
internal static partial class RealClients
{
    /// <summary>.NET's SslStream with default protocols and cipher suites, trusting only the given roots.</summary>
    public static async Task<(bool Ok, string Detail)> DotNetAsync(int port, X509Certificate2 root)
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
            }, timeout.Token);
            return (true, $"{tls.SslProtocol} {tls.NegotiatedCipherSuite}");
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException or OperationCanceledException)
        {
            return (false, e.Message);
        }
    }

    public static async Task<(bool Ok, string Detail)> CurlAsync(int port, string rootPem)
    {
        var (code, _, stderr) = await Tools.RunAsync("curl", ["-sS", "-o", "/dev/null", "--max-time", "15", "--cacert", rootPem, $"https://127.0.0.1:{Port(port)}/"]);
        return (code == 0, stderr.Trim());
    }

    public static async Task<(bool Ok, string Detail)> OpenSslAsync(int port, string rootPem)
    {
        var (code, stdout, stderr) = await Tools.RunAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{Port(port)}", "-CAfile", rootPem, "-verify_return_error", "-verify_ip", "127.0.0.1"], stdin: "", timeoutSeconds: 30);
        var ok = code == 0 && stdout.Contains("Verify return code: 0 (ok)", StringComparison.Ordinal);
        return (ok, stderr.Trim() + " " + Regex.Match(stdout, "Verify return code: .*").Value);
    }

    public static async Task<(bool Ok, string Detail)> JavaAsync(int port, string rootPem)
    {
        var (code, stdout, stderr) = await Tools.RunAsync("java",
            [Path.Combine(AppContext.BaseDirectory, "Handshake", "VerdictProbe.java"), "127.0.0.1", Port(port), rootPem], timeoutSeconds: 120);
        return (code == 0 && stdout.StartsWith("OK", StringComparison.Ordinal), (stdout + stderr).Trim());
    }

    /// <summary>The chain `openssl s_client -showcerts` prints, as SHA-1 thumbprints in the order sent.</summary>
    public static async Task<string[]> ShowCertsAsync(int port, params string[] options)
    {
        var (_, stdout, _) = await Tools.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{Port(port)}", "-showcerts", .. options], stdin: "", timeoutSeconds: 30);
        return PemBlock().Matches(stdout).Select(m => X509Certificate2.CreateFromPem(m.Value).Thumbprint).ToArray();
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----")]
    private static partial Regex PemBlock();
}
