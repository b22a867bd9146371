namespace CertHeal.Trust;

/// <summary>
/// Where an audit line goes besides the ledger: the machine's own log, which the person who
/// approved a trust anchor cannot quietly edit. Writing never throws and never holds a merge up.
/// On Windows this is the seam for the Event Log; it has no implementation yet because nothing
/// here can test one, so Windows (and any system without util-linux's logger) drops the line.
/// </summary>
internal interface ISystemLog
{
    void Write(string line);

    /// <summary>The system log of this platform.</summary>
    static ISystemLog ForThisPlatform() => OperatingSystem.IsLinux() ? new LoggerSystemLog() : new DroppedSystemLog();
}

/// <summary>A platform without a system log implementation: the audit record in the ledger is all there is.</summary>
internal sealed class DroppedSystemLog : ISystemLog
{
    public void Write(string line) => LoggerSystemLog.Skip("no system log implementation on this platform");
}
