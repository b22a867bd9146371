using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Healing;

namespace CertHeal.Benchmarks;

/// <summary>
/// The peers and in-process subjects, each run in a process of its own (this program started
/// with `--child NAME ...`) so its time and peak memory are its own.
/// </summary>
internal static class Children
{
    /// <summary>The measured part alone (set-up such as loading trust excluded), for in-process comparisons.</summary>
    private static TimeSpan Loop;

    public static async Task<int> RunAsync(string[] args)
    {
        var clock = Stopwatch.StartNew();
        var done = args[0] switch
        {
            "raw" => await RawHandshakesAsync(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3])),
            "http" => await GetsAsync(args[1] == "keepalive", int.Parse(args[2]), args[3], args[4], heal: false),
            "heal" => await GetsAsync(args[1] == "keepalive", int.Parse(args[2]), args[3], args[4], heal: true),
            "heal-once" => await HealOnceAsync(),
            // The probe section's peers over many leaves (ProbeChildren.cs): ports comma-separated, the root for the revocation peer.
            "raw-targets" => await ProbeChildren.RawAsync(int.Parse(args[1]), int.Parse(args[2]), args[3].Split(',').Select(int.Parse).ToList(), null),
            "raw-revocation" => await ProbeChildren.RawAsync(int.Parse(args[1]), int.Parse(args[2]), args[3].Split(',').Select(int.Parse).ToList(), args[4]),
            _ => throw new ArgumentException($"unknown child '{args[0]}'"),
        };
        Console.WriteLine($"loop-ms={Loop.TotalMilliseconds:0.0} elapsed-ms={clock.Elapsed.TotalMilliseconds:0} done={done}");
        Console.WriteLine(Measured.OwnHighWater());
        return 0;
    }

    /// <summary>The bare loop: connect, SslStream handshake accepting any certificate, close.</summary>
    private static async Task<string> RawHandshakesAsync(int count, int concurrency, int port)
    {
        var ok = 0;
        var loop = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (_, token) =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port, token);
            await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, token);
            Interlocked.Increment(ref ok);
        });
        Loop = loop.Elapsed;
        return ok.ToString();
    }

    /// <summary>GETs through a plain HttpClient (trusting the lab root) or through HealingHttpHandler.</summary>
    private static async Task<string> GetsAsync(bool keepAlive, int count, string rootOrKeystore, string url, bool heal)
    {
        HttpMessageHandler handler;
        if (heal)
        {
            handler = new HealingHttpHandler(new HealingOptions { KeystorePath = rootOrKeystore });
        }
        else
        {
            var root = X509Certificate2.CreateFromPem(File.ReadAllText(rootOrKeystore));
            handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    CertificateChainPolicy = new X509ChainPolicy
                    {
                        TrustMode = X509ChainTrustMode.CustomRootTrust,
                        CustomTrustStore = { root },
                        DisableCertificateDownloads = true,
                        RevocationMode = X509RevocationMode.NoCheck,
                    },
                },
            };
        }
        using var client = new HttpClient(handler);
        // One request first, on both sides: the first connection's trust loading is set-up, not the
        // per-request cost this row compares (it was a third of a 0.4 s keep-alive loop).
        using (var first = await client.GetAsync(url))
        {
            first.EnsureSuccessStatusCode();
        }
        var ok = 0;
        var loop = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (!keepAlive)
            {
                request.Headers.ConnectionClose = true;
            }
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                ok++;
            }
        }
        Loop = loop.Elapsed;
        return ok.ToString();
    }

    /// <summary>Time-to-heal of an incomplete chain: a leaf-only server whose intermediate is reachable by AIA.</summary>
    private static async Task<string> HealOnceAsync()
    {
        await using var lab = Lab.Lab.Create();
        await using var endpoint = lab.StartLeafOnlyWithAia(out _);
        var keystore = Path.Combine(lab.Folder, "truststore.pem");
        File.WriteAllText(keystore, lab.Trusted.Root.ExportCertificatePem() + "\n");
        using var handler = new HealingHttpHandler(new HealingOptions
        {
            KeystorePath = keystore,
            System = Trust.TrustAnchors.FromCertificates("System", [lab.Trusted.Root], isSystem: true),
        });
        using var client = new HttpClient(handler);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await client.GetAsync($"https://localhost:{endpoint.Port}/");
        }
        catch (HttpRequestException)
        {
            // The lab's TLS server is not an HTTP server; the heal happens during the handshake.
        }
        Loop = clock.Elapsed;
        return $"handshakes={endpoint.Connections};merges={handler.Merges}";
    }
}
