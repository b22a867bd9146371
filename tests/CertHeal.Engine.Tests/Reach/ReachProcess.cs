using System.Diagnostics;

namespace CertHeal.Tests.Reach;

/// <summary>Runs certheal or a peer tool (psql) as a real process with its own environment (HTTPS_PROXY, NO_PROXY), bounded in time.</summary>
internal static class ReachProcess
{
    public static Task<(int Code, string Stdout, string Stderr)> CertHealAsync(string[] args, IDictionary<string, string>? environment = null) =>
        RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "certheal.dll"), .. args], environment);

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, string[] args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // Never inherit a proxy from the machine running the tests; each test says what it wants.
        foreach (var name in new[] { "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy" })
        {
            info.Environment.Remove(name);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
