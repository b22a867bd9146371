using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;

namespace CertHeal.Benchmarks;

/// <summary>
/// The probe section's peers (run as `--child raw-targets|raw-revocation ...`): the bare
/// SslStream loop over the same target list certheal gets (round-robin over
/// <see cref="ProbeTargets"/>' ports), and that loop plus the revocation fetches a client makes:
/// one OCSP request per distinct presented certificate and one CRL download per issuer, each
/// made once per run and awaited by every handshake that presents it (concurrent ones share the
/// request in flight). The peer reads the answers and verifies nothing: it is the floor.
/// </summary>
internal static class ProbeChildren
{
    public static async Task<string> RawAsync(int count, int concurrency, IReadOnlyList<int> ports, string? rootPem)
    {
        var root = rootPem is null ? null : X509Certificate2.CreateFromPem(File.ReadAllText(rootPem));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var fetches = new ConcurrentDictionary<string, Lazy<Task>>(StringComparer.Ordinal);
        var ok = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, token) =>
        {
            // The callback's certificates die with the handshake: keep their bytes and names (SHA-1 thumbprints) for the fetches.
            byte[]? leaf = null, intermediate = null;
            string? leafId = null, intermediateId = null;
            using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
            {
                await socket.ConnectAsync(IPAddress.Loopback, ports[i % ports.Count], token);
                await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                    {
                        if (root is not null && certificate is X509Certificate2 presented)
                        {
                            // The server's own certificates, as sent (SslStream puts them in ExtraStore).
                            var issuer = chain?.ChainPolicy.ExtraStore.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(presented.IssuerName.RawData));
                            leafId = presented.Thumbprint;
                            leaf = presented.RawData;
                            intermediateId = issuer?.Thumbprint;
                            intermediate = issuer?.RawData;
                        }
                        return true;
                    },
                }, token);
            }
            if (root is not null && leaf is not null && intermediate is not null)
            {
                await Task.WhenAll(
                    Once(fetches, "ocsp " + leafId, () => OcspAsync(http, leaf, intermediate, token)),
                    Once(fetches, "ocsp " + intermediateId, () => OcspAsync(http, intermediate, root.RawData, token)),
                    Once(fetches, "crl " + intermediateId, () => CrlAsync(http, leaf, token)),
                    Once(fetches, "crl " + root.Thumbprint, () => CrlAsync(http, intermediate, token)));
            }
            Interlocked.Increment(ref ok);
        });
        return $"{ok};fetches={fetches.Count}";
    }

    private static Task Once(ConcurrentDictionary<string, Lazy<Task>> fetches, string key, Func<Task> fetch) =>
        fetches.GetOrAdd(key, _ => new Lazy<Task>(fetch)).Value;

    private static async Task OcspAsync(HttpClient http, byte[] raw, byte[] issuer, CancellationToken token)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(raw);
        var url = certificate.Extensions.OfType<X509AuthorityInformationAccessExtension>().Single().EnumerateOcspUris().First();
        var parser = new X509CertificateParser();
        var generator = new OcspReqGenerator();
        generator.AddRequest(new CertificateID(CertificateID.DigestSha1, parser.ReadCertificate(issuer), parser.ReadCertificate(raw).SerialNumber));
        using var content = new ByteArrayContent(generator.Generate().GetEncoded());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
        using var response = await http.PostAsync(url, content, token);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync(token);
    }

    private static async Task CrlAsync(HttpClient http, byte[] raw, CancellationToken token)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(raw);
        // The benchmark's certificates carry one distribution point with one http URI: its text is the tail of the extension.
        var extension = certificate.Extensions["2.5.29.31"]!.RawData;
        var text = System.Text.Encoding.ASCII.GetString(extension);
        var url = text[text.IndexOf("http://", StringComparison.Ordinal)..];
        using var response = await http.GetAsync(url, token);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync(token);
    }
}
