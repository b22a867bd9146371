namespace CertHeal.Discovery;

/// <summary>
/// What Find-Keystore looks at. With no process and no path, the machine's runtimes, OS stores
/// and tool configuration; with -ProcessId/-AllProcesses/-Path, only those (the question is then
/// "which store does this app use", not "every store here").
/// </summary>
public sealed class FindOptions
{
    public IReadOnlyList<int> ProcessIds { get; init; } = [];
    public bool AllProcesses { get; init; }
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>How deep -Path scans (folders below each root).</summary>
    public int MaxDepth { get; init; } = 6;

    /// <summary>The machine sources too, even when processes or paths are named.</summary>
    public bool IncludeMachine { get; init; }

    /// <summary>Well-known default passwords tried on JKS and PKCS#12 stores; only the one that opens a store is reported.</summary>
    public IReadOnlyList<string> DefaultPasswords { get; init; } = WellKnownPasswords.Defaults;

    /// <summary>
    /// The healed store to steer processes' runtimes to; null: the per-user default keystore for
    /// the PEM readers, and for a JVM the store it already reads (healed in place).
    /// </summary>
    public string? SteerTo { get; init; }

    /// <summary>How the host words a steering switch (RuntimeSteering.Command).</summary>
    public Handshake.IHostVocabulary Vocabulary { get; init; } = Handshake.NeutralVocabulary.Instance;
}
