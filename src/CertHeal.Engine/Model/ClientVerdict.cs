namespace CertHeal;

/// <summary>
/// Whether one client family would complete a trusted handshake with the server, and the one
/// reason. Settable properties only (survives remoting and ConvertTo-Json); no certificate
/// inside, so it carries no Pem.
/// </summary>
public sealed class ClientVerdict
{
    public ClientFamily Client { get; set; }

    /// <summary>What the verdict models, e.g. "Java 21 defaults".</summary>
    public string Model { get; set; } = "";

    public bool Accepts { get; set; }
    public VerdictCheck Check { get; set; }
    public string Reason { get; set; } = "";

    public override string ToString() => $"{Client}: {(Accepts ? "accepts" : "rejects")} ({Reason})";
}
