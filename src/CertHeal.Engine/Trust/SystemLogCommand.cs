using System.ComponentModel;
using System.Diagnostics;

namespace CertHeal.Trust;

/// <summary>
/// Hands one audit line to the platform's own logging command, started with an argument list (no
/// shell, so a path in the line cannot inject), bounded to 2 s, its output drained and ignored. A
/// missing command or a failure is skipped, counted and traced, never an error: the keystore is
/// written by then and the ledger holds the record.
/// </summary>
internal static class SystemLogCommand
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Lines the command accepted (exit 0) in this process.</summary>
    internal static long Sent;

    /// <summary>Lines dropped in this process (no command, a failure, the time bound); <see cref="LastSkipped"/> says why.</summary>
    internal static long Skipped;

    internal static string? LastSkipped { get; private set; }

    public static void Send(string program, IEnumerable<string> arguments)
    {
        var name = Path.GetFileName(program);
        try
        {
            var info = new ProcessStartInfo(program)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }
            using var process = Process.Start(info);
            if (process is null)
            {
                Skip($"{name} did not start");
                return;
            }
            process.StandardInput.Close();
            // Drained in the background so a chatty command can never fill a pipe and stall.
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(Timeout))
            {
                Kill(process);
                Skip($"{name} did not finish within {Timeout.TotalSeconds:0} s");
                return;
            }
            if (process.ExitCode != 0)
            {
                Skip($"{name} exited with {process.ExitCode}");
                return;
            }
            Interlocked.Increment(ref Sent);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or PlatformNotSupportedException)
        {
            // Win32Exception: the command is not there (a minimal container); the ledger's record stands alone then.
            Skip($"{name} could not run ({e.Message.TrimEnd('.')})");
        }
    }

    internal static void Skip(string why)
    {
        Interlocked.Increment(ref Skipped);
        LastSkipped = why;
        Trace.TraceWarning("certheal: audit line not sent to the system log: " + why);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // It exited meanwhile.
        }
    }
}
