using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertHeal.Benchmarks;

/// <summary>
/// The probe section's targets: <see cref="Issuers"/> intermediates under the bench root and
/// <see cref="Leaves"/> distinct leaves spread over them, each leaf on its own port of one
/// loopback nginx (one worker, as the README's set-up) presenting leaf + its intermediate.
/// Every leaf and intermediate names an OCSP responder (AIA) and a CRL (distribution point) on a
/// second loopback nginx that serves pre-signed answers as static files (RFC 5019's model: no
/// nonce, so a pre-signed response is a valid answer), so the responder costs the same, and
/// very little, whether certheal or the bare loop asks it. So many distinct leaves that no
/// verdict or revocation cache makes the strict checks free: each is judged and checked once.
/// </summary>
internal sealed class ProbeTargets : IDisposable
{
    public const int Issuers = 4;
    public const int Leaves = 256;

    private readonly List<Process> _servers = [];

    private ProbeTargets(IReadOnlyList<int> ports, int responderPort)
    {
        Ports = ports;
        ResponderPort = responderPort;
    }

    /// <summary>One TLS port per leaf.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>The OCSP responder and CRL server (plain http, as RFC 5280/6960 publish).</summary>
    public int ResponderPort { get; }

    /// <summary><paramref name="n"/> targets round-robin over the leaves' ports.</summary>
    public IEnumerable<string> Targets(int n) => Enumerable.Range(0, n).Select(i => $"127.0.0.1:{Ports[i % Ports.Count]}");

    public static ProbeTargets Start(string folder, X509Certificate2 root)
    {
        var binary = new[] { "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed; the README's benchmark command installs it.");
        var files = Directory.CreateDirectory(Path.Combine(folder, "responder")).FullName;
        Directory.CreateDirectory(Path.Combine(files, "ocsp"));
        Directory.CreateDirectory(Path.Combine(files, "crl"));
        var responderPort = Nginx.FreePort();
        string Url(string path) => $"http://127.0.0.1:{responderPort}/{path}";
        var nextUpdate = DateTimeOffset.UtcNow.AddDays(1);

        File.WriteAllBytes(Path.Combine(files, "crl", "root.crl"), Crl(root, nextUpdate));
        var intermediates = new List<X509Certificate2>();
        for (var k = 0; k < Issuers; k++)
        {
            var intermediate = Mint($"CN=Bench Issuing CA {k}, O=CertHeal Bench", root, ca: true, Url($"ocsp/int-{k}"), Url("crl/root.crl"));
            intermediates.Add(intermediate);
            File.WriteAllBytes(Path.Combine(files, "ocsp", $"int-{k}"), OcspGood(intermediate, root, nextUpdate));
            File.WriteAllBytes(Path.Combine(files, "crl", $"int-{k}.crl"), Crl(intermediate, nextUpdate));
        }

        // A port the kernel hands out twice (each listener is closed before the next) is asked for again.
        var ports = new List<int>(Leaves);
        for (var tries = 0; ports.Count < Leaves && tries < 100 * Leaves; tries++)
        {
            var port = Nginx.FreePort();
            if (port != responderPort && !ports.Contains(port))
            {
                ports.Add(port);
            }
        }
        var servers = new System.Text.StringBuilder();
        for (var i = 0; i < ports.Count; i++)
        {
            var issuer = intermediates[i % Issuers];
            using var leaf = Mint($"CN=bench-leaf-{i:D3}, O=CertHeal Bench", issuer, ca: false, Url($"ocsp/leaf-{i}"), Url($"crl/int-{i % Issuers}.crl"));
            File.WriteAllBytes(Path.Combine(files, "ocsp", $"leaf-{i}"), OcspGood(leaf, issuer, nextUpdate));
            var chain = Path.Combine(folder, $"chain-{i}.pem");
            var key = Path.Combine(folder, $"leaf-{i}.key");
            File.WriteAllText(chain, leaf.ExportCertificatePem() + "\n" + issuer.ExportCertificatePem() + "\n");
            File.WriteAllText(key, leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
            servers.Append($$"""
                  server {
                    listen 127.0.0.1:{{ports[i]}} ssl;
                    ssl_certificate {{chain}};
                    ssl_certificate_key {{key}};
                    location / { return 200 "ok\n"; }
                  }

                """);
        }
        foreach (var intermediate in intermediates)
        {
            intermediate.Dispose();
        }

        var targets = new ProbeTargets(ports, responderPort);
        try
        {
            targets._servers.Add(StartNginx(binary, Path.Combine(folder, "tls"), $$"""
                  ssl_protocols TLSv1.2 TLSv1.3;
                {{servers}}
                """, ports[0], ports[^1]));
            // OCSP is POSTed; nginx's static module refuses POST (405), the error_page serves the file anyway.
            targets._servers.Add(StartNginx(binary, Path.Combine(folder, "http"), $$"""
                  server {
                    listen 127.0.0.1:{{responderPort}};
                    root {{files}};
                    location /ocsp/ { default_type application/ocsp-response; error_page 405 =200 $uri; }
                    location /crl/ { default_type application/pkix-crl; }
                  }
                """, responderPort, responderPort));
        }
        catch
        {
            targets.Dispose();
            throw;
        }
        return targets;
    }

    private static Process StartNginx(string binary, string folder, string http, int firstPort, int lastPort)
    {
        Directory.CreateDirectory(folder);
        // The static files sit in the run's private (0700) work folder: a root master's worker must stay root to read them.
        var user = Environment.UserName == "root" ? "user root;" : "";
        var conf = $$"""
            {{user}}
            worker_processes 1;
            daemon off;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log error;
            events { worker_connections 8192; }
            http {
              access_log off;
              client_body_temp_path {{folder}}/body;
              proxy_temp_path {{folder}}/proxy;
              fastcgi_temp_path {{folder}}/fastcgi;
              uwsgi_temp_path {{folder}}/uwsgi;
              scgi_temp_path {{folder}}/scgi;
              keepalive_requests 1000000;
            {{http}}
            }
            """;
        var confPath = Path.Combine(folder, "nginx.conf");
        File.WriteAllText(confPath, conf);
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", folder, "-c", confPath })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        var deadline = Stopwatch.StartNew();
        while (!Nginx.Listening(firstPort) || !Nginx.Listening(lastPort))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                var log = File.Exists(Path.Combine(folder, "error.log")) ? File.ReadAllText(Path.Combine(folder, "error.log")) : "";
                try
                {
                    process.Kill();
                }
                catch (InvalidOperationException)
                {
                }
                throw new InvalidOperationException($"nginx did not start ({confPath}): {log}".Trim());
            }
            Thread.Sleep(50);
        }
        return process;
    }

    private static X509Certificate2 Mint(string subject, X509Certificate2 issuer, bool ca, string ocsp, string crl)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature : X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([ocsp], null));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crl]));
        if (!ca)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        }
        var now = DateTimeOffset.UtcNow;
        using var signed = request.Create(issuer, now.AddDays(-1), now.AddYears(ca ? 5 : 1), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A "good" OCSP response for <paramref name="certificate"/>, signed by its issuer, valid until <paramref name="nextUpdate"/>.</summary>
    private static byte[] OcspGood(X509Certificate2 certificate, X509Certificate2 issuer, DateTimeOffset nextUpdate)
    {
        var parser = new X509CertificateParser();
        var bcIssuer = parser.ReadCertificate(issuer.RawData);
        var bcCertificate = parser.ReadCertificate(certificate.RawData);
        var key = PrivateKeyFactory.CreateKey(issuer.GetECDsaPrivateKey()!.ExportPkcs8PrivateKey());
        var generator = new BasicOcspRespGenerator(bcIssuer.GetPublicKey());
        generator.AddResponse(new CertificateID(CertificateID.DigestSha1, bcIssuer, bcCertificate.SerialNumber), null,
            DateTime.UtcNow.AddMinutes(-1), nextUpdate.UtcDateTime, null);
        var basic = generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", key), null, DateTime.UtcNow);
        return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
    }

    /// <summary>An empty CRL signed by <paramref name="issuer"/>.</summary>
    private static byte[] Crl(X509Certificate2 issuer, DateTimeOffset nextUpdate) =>
        new CertificateRevocationListBuilder().Build(issuer, BigInteger.One, nextUpdate, HashAlgorithmName.SHA256, null, DateTimeOffset.UtcNow.AddMinutes(-1));

    public void Dispose()
    {
        foreach (var process in _servers)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
    }
}
