using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;

namespace CertHeal.Tests.Revocation;

/// <summary>
/// A real OCSP responder on loopback: `openssl ocsp -index` over an OpenSSL CA database that
/// lists each certificate as valid (V) or revoked (R, with a time and a reason), signing as the
/// issuer itself or as a delegated responder (id-kp-OCSPSigning, issued by the issuer).
/// </summary>
internal sealed class OpenSslOcspResponder : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private OpenSslOcspResponder(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static string UrlFor(int port) => $"http://127.0.0.1:{port}/";

    /// <param name="entries">Each certificate the issuer issued, with its revocation (null = valid).</param>
    /// <param name="signer">The responder certificate with its key; null = the issuer signs.</param>
    public static async Task<OpenSslOcspResponder> StartAsync(int port, X509Certificate2 issuer, IEnumerable<(X509Certificate2 Certificate, DateTime? RevokedAt, string? Reason)> entries,
        X509Certificate2? signer = null)
    {
        var folder = Directory.CreateTempSubdirectory("certheal-ocsp-").FullName;
        var lines = entries.Select(e =>
        {
            var expiry = e.Certificate.NotAfter.ToUniversalTime().ToString("yyMMddHHmmss'Z'", CultureInfo.InvariantCulture);
            var revoked = e.RevokedAt is { } at ? at.ToString("yyMMddHHmmss'Z'", CultureInfo.InvariantCulture) + (e.Reason is null ? "" : "," + e.Reason) : "";
            var subject = "/" + string.Join("/", e.Certificate.SubjectName.Name.Split(", ").Reverse());
            return $"{(e.RevokedAt is null ? "V" : "R")}\t{expiry}\t{revoked}\t{e.Certificate.SerialNumber}\tunknown\t{subject}";
        });
        await File.WriteAllTextAsync(Path.Combine(folder, "index.txt"), string.Join("\n", lines) + "\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "ca.pem"), CertificateMint.ToPem(issuer));
        CertificateMint.WritePemWithKey(signer ?? issuer, Path.Combine(folder, "signer.pem"), Path.Combine(folder, "signer.key"));
        var start = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "ocsp", "-index", "index.txt", "-port", port.ToString(CultureInfo.InvariantCulture), "-rsigner", "signer.pem", "-rkey", "signer.key",
                     "-CA", "ca.pem", "-nmin", "5", "-ignore_err" })
        {
            start.ArgumentList.Add(arg);
        }
        // Ready when it says so: a probe connection that sends nothing would wedge the responder
        // (openssl ocsp serves one connection at a time and waits for that one's request).
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(start)!;
        void Watch(object _, DataReceivedEventArgs line)
        {
            if (line.Data?.Contains("waiting for OCSP client connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        }
        process.OutputDataReceived += Watch;
        process.ErrorDataReceived += Watch;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var responder = new OpenSslOcspResponder(process, folder, port);
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return responder;
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_folder, true);
        }
        catch (IOException)
        {
        }
    }
}
