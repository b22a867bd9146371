namespace CertHeal;

/// <summary>
/// One place where certificate validation was switched off, from Find-TlsBypass: where, what, for
/// which endpoint when the text names one, and the heal that makes the switch unnecessary.
/// CertHeal never edits the file; the heal is the host's Recommendation (typed as Remedy).
/// </summary>
public sealed class TlsBypass
{
    /// <summary>The file, or "process 1234 (node)".</summary>
    public string Location { get; set; } = "";

    /// <summary>The file's full path; null for a process.</summary>
    public string? Path { get; set; }

    /// <summary>The process whose environment or command line holds it; null for a file.</summary>
    public int? ProcessId { get; set; }

    /// <summary>1-based line in <see cref="Path"/>; null for a process.</summary>
    public int? Line { get; set; }

    public TlsBypassKind Kind { get; set; }

    /// <summary>The client that no longer validates, e.g. "Node.js", "git", "curl".</summary>
    public string Client { get; set; } = "";

    /// <summary>The switch as written, e.g. "NODE_TLS_REJECT_UNAUTHORIZED=0" or "-SkipCertificateCheck".</summary>
    public string Setting { get; set; } = "";

    /// <summary>
    /// The whole line (or environment entry, or command line) that holds it, at most 400 characters,
    /// with the user information of URLs and curl's --user value masked: what to remove.
    /// </summary>
    public string Text { get; set; } = "";

    /// <summary>host:port the bypass is used for, when the line, its section or its file names it; null otherwise.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The heal that makes the bypass unnecessary, worded by the host (cmdlets or CLI).</summary>
    public string Recommendation { get; set; } = "";

    /// <summary>The typed form of Recommendation: TestPinAndRemoveBypass with an endpoint, RemoveBypass without.</summary>
    public Remedy Remedy { get; set; } = new();
}
