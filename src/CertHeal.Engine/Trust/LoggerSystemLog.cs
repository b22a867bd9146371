namespace CertHeal.Trust;

/// <summary>
/// The Linux system log through util-linux's `logger` (syslog or journald, whichever /dev/log is),
/// tag `certheal`, facility auth, run through <see cref="SystemLogCommand"/> (bounded, never an error).
/// </summary>
internal sealed class LoggerSystemLog : ISystemLog
{
    /// <summary>A unix datagram socket to log to instead of /dev/log: tests bind one and read the line.</summary>
    internal const string SocketVariable = "CERTHEAL_SYSLOG_SOCKET";

    internal const string Tag = "certheal";

    public void Write(string line) => SystemLogCommand.Send("logger", Arguments(line, Environment.GetEnvironmentVariable(SocketVariable)));

    internal static List<string> Arguments(string line, string? socket)
    {
        List<string> arguments = ["-t", Tag, "-p", "auth.notice"];
        if (socket is { Length: > 0 })
        {
            arguments.AddRange(["--socket-errors=on", "-u", socket]);
        }
        // "--" so a line that starts with '-' is the message, not an option.
        arguments.AddRange(["--", line]);
        return arguments;
    }
}
