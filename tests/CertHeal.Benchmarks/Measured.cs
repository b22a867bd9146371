using System.Diagnostics;

namespace CertHeal.Benchmarks;

/// <summary>One run of a program: wall time and peak resident memory (VmHWM, polled from /proc).</summary>
internal sealed record Measured(TimeSpan Elapsed, double PeakMb, int ExitCode, string Stdout, string Stderr)
{
    public static Measured Run(string file, IEnumerable<string> args, TimeSpan timeout, string? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        // Every run starts with nothing of the harness's left to write back: a command that syncs its
        // file system (a merge does, once, for its ledger records) must not pay for what was written
        // just before it (the 100,000-record ledger copied for the next row), nor for a peer's writes.
        if (OperatingSystem.IsLinux())
        {
            Sync();
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }
        process.StandardInput.Close();
        var peakKb = 0L;
        var status = $"/proc/{process.Id}/status";
        while (!process.WaitForExit(15))
        {
            peakKb = Math.Max(peakKb, ReadHighWater(status));
            if (clock.Elapsed > timeout)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList.Take(4))} ... ran over {timeout.TotalSeconds} s.");
            }
        }
        process.WaitForExit();
        clock.Stop();
        // A child of ours prints its own high-water mark last; it is exact, the poll is a lower bound.
        var output = stdout.Result;
        var marker = output.LastIndexOf("VmHWM-kB=", StringComparison.Ordinal);
        if (marker >= 0 && long.TryParse(output[(marker + 9)..].Trim(), out var own))
        {
            peakKb = Math.Max(peakKb, own);
            output = output[..marker];
        }
        return new Measured(clock.Elapsed, peakKb / 1024.0, process.ExitCode, output, stderr.Result);
    }

    private static long ReadHighWater(string status)
    {
        try
        {
            foreach (var line in File.ReadLines(status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0]);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return 0;
    }

    /// <summary>This process's own peak resident memory, for children to print last.</summary>
    public static string OwnHighWater() => "VmHWM-kB=" + ReadHighWater("/proc/self/status");

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "sync")]
    private static extern void Sync();
}
