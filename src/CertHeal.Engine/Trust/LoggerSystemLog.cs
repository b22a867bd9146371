using System.ComponentModel;
using System.Diagnostics;

namespace CertHeal.Trust;

/// <summary>
/// The Linux system log through util-linux's `logger` (syslog or journald, whichever /dev/log is),
/// tag `certheal`, facility auth: started with an argument list (no shell, so a path cannot inject),
/// bounded to 2 s, its exit code and output ignored. A missing logger or a failure is skipped,
/// counted and traced, never an error: the keystore is written by then and the ledger holds the record.
/// </summary>
internal sealed class LoggerSystemLog : ISystemLog
{
    /// <summary>A unix datagram socket to log to instead of /dev/log: tests bind one and read the line.</summary>
    internal const string SocketVariable = "CERTHEAL_SYSLOG_SOCKET";

    internal const string Tag = "certheal";

    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Lines logger accepted (exit 0) in this process.</summary>
    internal static long Sent;

    /// <summary>Lines dropped in this process (no logger, a failure, the time bound); <see cref="LastSkipped"/> says why.</summary>
    internal static long Skipped;

    internal static string? LastSkipped { get; private set; }

    public void Write(string line)
    {
        try
        {
            var info = new ProcessStartInfo("logger")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[] { "-t", Tag, "-p", "auth.notice" })
            {
                info.ArgumentList.Add(argument);
            }
            if (Environment.GetEnvironmentVariable(SocketVariable) is { Length: > 0 } socket)
            {
                info.ArgumentList.Add("--socket-errors=on");
                info.ArgumentList.Add("-u");
                info.ArgumentList.Add(socket);
            }
            // "--" so a line that starts with '-' is the message, not an option.
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(line);
            using var process = Process.Start(info);
            if (process is null)
            {
                Skip("logger did not start");
                return;
            }
            process.StandardInput.Close();
            // Drained in the background so a chatty logger can never fill a pipe and stall.
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(Timeout))
            {
                Kill(process);
                Skip($"logger did not finish within {Timeout.TotalSeconds:0} s");
                return;
            }
            if (process.ExitCode != 0)
            {
                Skip($"logger exited with {process.ExitCode}");
                return;
            }
            Interlocked.Increment(ref Sent);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or PlatformNotSupportedException)
        {
            // Win32Exception: no logger on PATH (a minimal container); the ledger's record stands alone then.
            Skip($"logger could not run ({e.Message.TrimEnd('.')})");
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
