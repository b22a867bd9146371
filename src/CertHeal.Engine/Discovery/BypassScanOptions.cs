namespace CertHeal.Discovery;

/// <summary>
/// Where Find-TlsBypass looks. With nothing named: every process this user may read and the
/// well-known shell, service, PowerShell, git, npm, pip, curl and wget configuration files of
/// the machine and the home folder. With processes or paths, only those.
/// </summary>
public sealed class BypassScanOptions
{
    public IReadOnlyList<int> ProcessIds { get; init; } = [];
    public bool AllProcesses { get; init; }
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>How deep a folder is scanned.</summary>
    public int MaxDepth { get; init; } = 6;
}
