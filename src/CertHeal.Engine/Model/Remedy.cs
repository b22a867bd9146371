namespace CertHeal;

/// <summary>
/// The typed form of HandshakeResult.Recommendation: what to do, and everything the probe used
/// to reach the server, so a host can render a command that reaches the same endpoint the same
/// way. Plain settable properties, so it survives ConvertTo-Json and remoting.
/// </summary>
public sealed class Remedy
{
    public RemedyKind Kind { get; set; }

    /// <summary>The SHA-256 fingerprint to pin (PinRoot); null for the other kinds.</summary>
    public string? Fingerprint { get; set; }

    /// <summary>For <see cref="RemedyKind.RenewNow"/>: the renewal window in days.</summary>
    public int? Days { get; set; }

    /// <summary>
    /// For the bypass remedies: the file that switches validation off, or "process 1234 (node)";
    /// null for the other kinds.
    /// </summary>
    public string? Location { get; set; }

    /// <summary>For the bypass remedies: the 1-based line of <see cref="Location"/> to remove; null for a process (restart it without the switch).</summary>
    public int? Line { get; set; }

    /// <summary>For the bypass remedies: the line or environment entry to remove, as written.</summary>
    public string? Setting { get; set; }

    /// <summary>How the probe reached the server; the collecting command repeats it. For TestPinAndRemoveBypass, the endpoint to test (Target, Host, Port).</summary>
    public ProbeSettings Probe { get; set; } = new();

    public override string ToString() => Fingerprint is null ? $"{Kind} {Probe.Target}" : $"{Kind} {Probe.Target} {Fingerprint}";
}
