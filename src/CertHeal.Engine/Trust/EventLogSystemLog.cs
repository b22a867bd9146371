namespace CertHeal.Trust;

/// <summary>
/// The Windows Application event log through eventcreate.exe, which ships with Windows, so the
/// module needs no Windows-only assembly. eventcreate registers the source on first use, which
/// needs an administrator; without one the line is skipped like any other failure.
/// </summary>
internal sealed class EventLogSystemLog : ISystemLog
{
    internal const string Source = "CertHeal";

    /// <summary>eventcreate's /D takes at most this many characters.</summary>
    internal const int MaxDescription = 1024;

    public void Write(string line) => SystemLogCommand.Send(Path.Combine(Environment.SystemDirectory, "eventcreate.exe"), Arguments(line));

    internal static List<string> Arguments(string line) =>
        ["/T", "INFORMATION", "/ID", "100", "/L", "APPLICATION", "/SO", Source, "/D", line.Length <= MaxDescription ? line : line[..MaxDescription]];
}
