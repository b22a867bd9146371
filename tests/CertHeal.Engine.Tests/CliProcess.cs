using System.Diagnostics;

namespace CertHeal.Tests;

/// <summary>
/// Runs the built certheal as its own process, so exit codes and streams are the real ones: the
/// dotnet tool's certheal.dll, or the native certheal named by CERTHEAL_CLI (build.ps1 -Native runs
/// the real-process CLI tests a second time that way).
/// </summary>
internal static class CliProcess
{
    /// <summary>The native certheal the CLI tests run instead of the dotnet tool, when set.</summary>
    public const string NativeVariable = "CERTHEAL_CLI";

    /// <param name="args">The CLI's arguments.</param>
    /// <param name="systemRoots">A PEM file to stand in for the OS roots (SSL_CERT_FILE), so the machine store is never touched.</param>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args, string? systemRoots = null)
        => await RunAsync(Environment.GetEnvironmentVariable(NativeVariable) is { Length: > 0 } native ? native : null, args, systemRoots);

    /// <param name="native">The native certheal to run; null runs the dotnet tool (dotnet certheal.dll).</param>
    /// <param name="args">The CLI's arguments.</param>
    /// <param name="systemRoots">A PEM file to stand in for the OS roots (SSL_CERT_FILE), so the machine store is never touched.</param>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string? native, string[] args, string? systemRoots = null)
    {
        string? emptyDir = null;
        var info = new ProcessStartInfo(native ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (native is null)
        {
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "certheal.dll"));
        }
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
