using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Tests.Handshake;

/// <summary>
/// A SunJSSE server on loopback (JsseServer.java), for suites this machine's OpenSSL 3 cannot serve
/// (Debian's build has no 3DES or RC4 suites at any security level). jdk.tls.disabledAlgorithms is
/// emptied through -Djava.security.properties so Java serves exactly the suites it is given.
/// </summary>
internal sealed class JsseServer : IAsyncDisposable
{
    private readonly Process _process;

    private JsseServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<JsseServer> StartAsync(string folder, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain, string protocols, string suites)
    {
        RealClients.Require("java");
        var id = Guid.NewGuid().ToString("N")[..8];
        var p12 = Path.Combine(folder, $"jsse-{id}.p12");
        var collection = new X509Certificate2Collection { leaf };
        collection.AddRange(chain.ToArray());
        await File.WriteAllBytesAsync(p12, collection.Export(X509ContentType.Pkcs12, "jsse-pass")!);
        var security = Path.Combine(folder, $"jsse-{id}.security");
        await File.WriteAllTextAsync(security, "jdk.tls.disabledAlgorithms=\njdk.certpath.disabledAlgorithms=\n");
        var info = new ProcessStartInfo("java") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { $"-Djava.security.properties={security}", Path.Combine(AppContext.BaseDirectory, "Handshake", "JsseServer.java"), p12, "jsse-pass", protocols, suites })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        _ = process.StandardError.ReadToEndAsync();
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(ready.Token);
            if (line is not null && line.StartsWith("ACCEPT ", StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync();
                return new JsseServer(process, int.Parse(line[7..], CultureInfo.InvariantCulture));
            }
        }
        catch (OperationCanceledException)
        {
        }
        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException("The JSSE server did not start listening within 60 seconds.");
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
