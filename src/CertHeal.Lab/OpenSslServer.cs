using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>
/// A real `openssl s_server` process on loopback, so the engine meets a TLS stack it did not
/// write. It sends the chain file exactly as written and answers HTTP with -www.
/// </summary>
public sealed class OpenSslServer : IAsyncDisposable
{
    private readonly Process _process;
    private int _disposed;

    private OpenSslServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static bool IsAvailable => FindOnPath("openssl") is not null;

    public static async Task<OpenSslServer> StartAsync(string folder, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain,
        string? extraArguments = null, CancellationToken token = default)
    {
        var openssl = FindOnPath("openssl") ?? throw new InvalidOperationException("openssl is not on PATH; install the openssl package to run this lab scenario.");
        var id = Guid.NewGuid().ToString("N")[..8];
        var certPath = Path.Combine(folder, $"s_server-{id}.crt");
        var keyPath = Path.Combine(folder, $"s_server-{id}.key");
        CertificateMint.WritePemWithKey(leaf, certPath, keyPath);
        // No DHE unless the scenario brings its own DH parameters (-dhparam): OpenSSL's automatic
        // group would otherwise make DHE suites appear on servers that are about something else.
        var dhe = extraArguments?.Contains("-dhparam", StringComparison.Ordinal) == true ? "" : " -no_dhe";
        var arguments = $"s_server -accept 127.0.0.1:{{0}} -cert \"{certPath}\" -key \"{keyPath}\" -www{dhe}";
        if (chain.Count > 0)
        {
            var chainPath = Path.Combine(folder, $"s_server-{id}-chain.pem");
            File.WriteAllText(chainPath, string.Concat(chain.Select(CertificateMint.ToPem)));
            arguments += $" -cert_chain \"{chainPath}\"";
        }
        if (!string.IsNullOrWhiteSpace(extraArguments))
        {
            arguments += " " + extraArguments;
        }

        // Retry a few times: the free port we picked can be taken between the probe and the bind.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = LabListener.ClosedPort();
            var info = new ProcessStartInfo(openssl, string.Format(System.Globalization.CultureInfo.InvariantCulture, arguments, port))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            var process = Process.Start(info) ?? throw new InvalidOperationException("openssl s_server did not start.");
            using var ready = CancellationTokenSource.CreateLinkedTokenSource(token);
            ready.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                while (true)
                {
                    var line = await process.StandardOutput.ReadLineAsync(ready.Token).ConfigureAwait(false);
                    if (line is null)
                    {
                        break;
                    }
                    if (line.StartsWith("ACCEPT", StringComparison.Ordinal))
                    {
                        _ = DrainAsync(process.StandardOutput);
                        _ = DrainAsync(process.StandardError);
                        return new OpenSslServer(process, port);
                    }
                }
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
            }
            Kill(process);
        }
        throw new InvalidOperationException("openssl s_server did not start listening on loopback within 10 seconds.");
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            var buffer = new char[4096];
            while (await reader.ReadAsync(buffer).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception)
        {
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }

    internal static string? FindOnPath(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Kill(_process);
        }
        return ValueTask.CompletedTask;
    }
}
