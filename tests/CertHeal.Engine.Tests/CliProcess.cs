using System.Diagnostics;

namespace CertHeal.Tests;

/// <summary>Runs the built certheal as its own process, so exit codes and streams are the real ones.</summary>
internal static class CliProcess
{
    /// <param name="systemRoots">A PEM file to stand in for the OS roots (SSL_CERT_FILE), so the machine store is never touched.</param>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args, string? systemRoots = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "certheal.dll");
        string? emptyDir = null;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        if (systemRoots is not null)
        {
            // .NET reads every file in SSL_CERT_DIR: point it at an empty folder of its own.
            emptyDir = Directory.CreateTempSubdirectory("certheal-roots-").FullName;
            info.Environment["SSL_CERT_FILE"] = systemRoots;
            info.Environment["SSL_CERT_DIR"] = emptyDir;
        }
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            if (emptyDir is not null)
            {
                Directory.Delete(emptyDir, recursive: true);
            }
        }
    }
}
