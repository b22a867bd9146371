using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;

namespace CertHeal.Tests.NoWeakening;

/// <summary>
/// The four real clients, each trusting exactly one store as its own client would read it: curl
/// (--cacert for a bundle, --capath for a folder; partial-chain trust, its default), openssl
/// s_client with -verify_return_error and -partial_chain (as curl sets it), Java (the JKS or
/// PKCS#12 itself; a bundle's or folder's certificates as trustedCertEntries, as keytool would
/// import them), and .NET's SslStream with the store's certificates as custom roots and no AIA.
/// At most two clients run at a time (2 cores shared).
/// </summary>
internal static class StoreClients
{
    public static readonly string[] Names = ["curl", "openssl", "java", ".net"];

    /// <summary>The Java probes compiled once: launching from source compiles on every run, a second each.</summary>
    private static readonly Lazy<Task<string>> JavaClasses = new(async () =>
    {
        var folder = Directory.CreateTempSubdirectory("noweaken-java-").FullName;
        var (code, stdout, stderr) = await Tools.RunAsync("javac", ["-d", folder,
            Path.Combine(AppContext.BaseDirectory, "Merge", "Probe.java"), Path.Combine(AppContext.BaseDirectory, "Handshake", "VerdictProbe.java")], timeoutSeconds: 120);
        Assert.True(code == 0, $"javac failed: {stdout}{stderr}");
        return folder;
    });

    public static async Task<Dictionary<string, (bool Ok, string Detail)>> RunAsync(TrustStoreKind kind, string store, int port, string work)
    {
        Directory.CreateDirectory(work);
        using var password = kind.Password is null ? null : KeystorePassword.FromString(kind.Password);
        var certificates = KeystoreFile.Certificates(KeystoreFile.Open(store, kind.Format, password)).ToList();
        var anchors = Path.Combine(work, $"anchors-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(anchors, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        var folder = kind.Format == KeystoreFormat.Directory;
        var pem = kind.Format == KeystoreFormat.PemBundle ? store : anchors;
        var portText = port.ToString(CultureInfo.InvariantCulture);

        async Task<(bool, string)> Curl()
        {
            string[] trust = folder ? ["--capath", store] : ["--cacert", pem];
            var (code, _, stderr) = await Tools.RunAsync("curl", ["-sS", "-o", "/dev/null", "--max-time", "15", .. trust, $"https://127.0.0.1:{portText}/"]);
            return (code == 0, stderr.Trim());
        }
        async Task<(bool, string)> OpenSsl()
        {
            string[] trust = folder ? ["-CApath", store, "-no-CAfile"] : ["-CAfile", pem, "-no-CApath"];
            var (code, stdout, stderr) = await Tools.RunAsync("openssl",
                ["s_client", "-connect", $"127.0.0.1:{portText}", .. trust, "-partial_chain", "-verify_return_error", "-verify_ip", "127.0.0.1"], stdin: "", timeoutSeconds: 30);
            return (code == 0 && stdout.Contains("Verify return code: 0 (ok)", StringComparison.Ordinal), stderr.Trim().Split('\n').LastOrDefault() ?? "");
        }
        async Task<(bool, string)> Java()
        {
            var classes = await JavaClasses.Value;
            var (code, stdout, stderr) = kind.Format is KeystoreFormat.Jks or KeystoreFormat.Pkcs12
                ? await Tools.RunAsync("java", ["-cp", classes, "Probe", "127.0.0.1", portText, store,
                    kind.Format == KeystoreFormat.Jks ? "JKS" : "PKCS12", kind.Password!], timeoutSeconds: 120)
                : await Tools.RunAsync("java", ["-cp", classes, "VerdictProbe", "127.0.0.1", portText, anchors], timeoutSeconds: 120);
            return (code == 0 && stdout.StartsWith("OK", StringComparison.Ordinal), (stdout + stderr).Trim());
        }
        var results = new Dictionary<string, (bool Ok, string Detail)>();
        // Two at a time: the JVM with the .NET client (in-process), then curl with openssl.
        var java = Java();
        results[".net"] = await DotNet(certificates, port);
        results["java"] = await java;
        var curl = Curl();
        results["openssl"] = await OpenSsl();
        results["curl"] = await curl;
        return results;
    }

    private static async Task<(bool, string)> DotNet(IReadOnlyList<X509Certificate2> certificates, int port)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await tcp.ConnectAsync("127.0.0.1", port, timeout.Token);
            await using var tls = new SslStream(tcp.GetStream());
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            };
            policy.CustomTrustStore.AddRange(certificates.ToArray());
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                CertificateChainPolicy = policy,
                RemoteCertificateValidationCallback = (_, _, _, e) => e == SslPolicyErrors.None,
            }, timeout.Token);
            return (true, tls.SslProtocol.ToString());
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException or OperationCanceledException)
        {
            return (false, e.Message);
        }
    }
}
