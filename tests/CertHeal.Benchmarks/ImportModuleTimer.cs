using System.Globalization;

namespace CertHeal.Benchmarks;

/// <summary>
/// Import-Module in fresh pwsh processes (the start-up section, issue #25): the time pwsh itself
/// measures around Import-Module, so pwsh's own start-up (the same for every module) is not in the
/// figure; the median of several processes, each a cold import.
/// </summary>
internal static class ImportModuleTimer
{
    /// <summary>pwsh as the fleet section finds it: CERTHEAL_PWSH, the repository's out/tools/pwsh (tools/test.sh), else PATH.</summary>
    public static string? FindPwsh(string repo) =>
        new[] { Environment.GetEnvironmentVariable("CERTHEAL_PWSH"), Path.Combine(repo, "out/tools/pwsh/pwsh") }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
        ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "pwsh")).FirstOrDefault(File.Exists);

    /// <param name="module">A module folder or manifest path, or the name of a module pwsh ships.</param>
    public static Measured Median(string pwsh, string module, int runs)
    {
        var literal = "'" + module.Replace("'", "''", StringComparison.Ordinal) + "'";
        var script = "$clock = [Diagnostics.Stopwatch]::StartNew(); Import-Module " + literal + " -ErrorAction Stop; "
            + "$ms = $clock.Elapsed.TotalMilliseconds; 'import-ms=' + $ms.ToString([Globalization.CultureInfo]::InvariantCulture); "
            // The pwsh of tools/test.sh is a dotnet tool shim that starts the engine as its child, so its
            // own peak is not the engine's: the engine reports its own.
            + "'peak-mb=' + ([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB).ToString([Globalization.CultureInfo]::InvariantCulture)";
        var measured = Enumerable.Range(0, runs).Select(_ =>
        {
            var m = Measured.Run(pwsh, ["-NoProfile", "-NonInteractive", "-Command", script], TimeSpan.FromMinutes(2));
            var at = m.Stdout.IndexOf("import-ms=", StringComparison.Ordinal);
            if (m.ExitCode != 0 || at < 0)
            {
                throw new InvalidOperationException($"Import-Module {module} failed in pwsh (exit {m.ExitCode}): {m.Stderr.Trim()} {m.Stdout.Trim()}");
            }
            var ms = double.Parse(m.Stdout[(at + 10)..].Split('\n')[0].Trim(), CultureInfo.InvariantCulture);
            var peak = m.Stdout.IndexOf("peak-mb=", StringComparison.Ordinal);
            var mb = peak < 0 ? m.PeakMb : double.Parse(m.Stdout[(peak + 8)..].Split('\n')[0].Trim(), CultureInfo.InvariantCulture);
            return m with { Elapsed = TimeSpan.FromMilliseconds(ms), PeakMb = Math.Max(m.PeakMb, mb) };
        }).OrderBy(m => m.Elapsed).ToList();
        return measured[measured.Count / 2];
    }
}
