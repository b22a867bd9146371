namespace CertHeal;

/// <summary>
/// The smallest switch that makes the runtime of a process read the healed store, from
/// Find-Keystore -ProcessId/-AllProcesses. A typed decision: the engine picks the switch, each
/// host renders it in <see cref="Command"/> for its shell. Plain settable properties, so it
/// survives ConvertTo-Json and remoting.
/// </summary>
public sealed class RuntimeSteering
{
    public int ProcessId { get; set; }
    public SteeringRuntime Runtime { get; set; }

    /// <summary>The runtime's version where it decides the switch (Node), e.g. "20.19.2"; null when not asked.</summary>
    public string? RuntimeVersion { get; set; }

    public SteeringKind Kind { get; set; }

    /// <summary>The variable, system property or git key to set; null for <see cref="SteeringKind.None"/>.</summary>
    public string? Name { get; set; }

    /// <summary>What to set it to (a path, or "1" for NODE_USE_SYSTEM_CA); null for <see cref="SteeringKind.None"/>.</summary>
    public string? Value { get; set; }

    /// <summary>The store the switch points the runtime at: the one CertHeal merges into for it.</summary>
    public string Store { get; set; } = "";

    /// <summary>Why this switch (and what it does to the runtime's other roots), or why none is needed.</summary>
    public string Reason { get; set; } = "";

    /// <summary>The switch as this host's users type it (PowerShell or sh); empty for <see cref="SteeringKind.None"/>.</summary>
    public string Command { get; set; } = "";

    public override string ToString() => Kind == SteeringKind.None ? $"{Runtime} {ProcessId}: {Reason}" : $"{Runtime} {ProcessId}: {Command}";
}
