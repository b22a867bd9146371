namespace CertHeal.Trust;

/// <summary>
/// Where an audit line goes besides the ledger: the machine's own log, which the person who
/// approved a trust anchor cannot quietly edit: syslog or journald on Linux, the Event Log on
/// Windows. Writing never throws and never holds a merge up.
/// </summary>
internal interface ISystemLog
{
    void Write(string line);

    /// <summary>The system log of this platform.</summary>
    static ISystemLog ForThisPlatform() =>
        OperatingSystem.IsLinux() ? new LoggerSystemLog() : OperatingSystem.IsWindows() ? new EventLogSystemLog() : new DroppedSystemLog();
}

/// <summary>A platform without a system log implementation: the audit record in the ledger is all there is.</summary>
internal sealed class DroppedSystemLog : ISystemLog
{
    public void Write(string line) => SystemLogCommand.Skip("no system log implementation on this platform");
}
