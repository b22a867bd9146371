using CertHeal.Handshake;

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

    /// <summary>How many folder levels below each path are scanned.</summary>
    public int MaxDepth { get; init; } = 6;

    /// <summary>How many files one scan reads at most; the walk stops there with a verbose line.</summary>
    public int MaxFiles { get; init; } = 100_000;

    /// <summary>Files larger than this are skipped (configuration and scripts are small; this keeps logs and dumps out).</summary>
    public long MaxFileBytes { get; init; } = 1024 * 1024;

    /// <summary>The host's words for each finding's Recommendation (the cmdlets' or the CLI's).</summary>
    public IHostVocabulary Vocabulary { get; init; } = NeutralVocabulary.Instance;
}
