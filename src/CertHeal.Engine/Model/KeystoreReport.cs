namespace CertHeal;

/// <summary>A keystore's health: findings per entry, and the endpoints handshaked with it as the trust store.</summary>
public sealed class KeystoreReport
{
    public string Path { get; set; } = "";
    public string Format { get; set; } = "";
    public int EntryCount { get; set; }
    public bool IsValid { get; set; }
    public KeystoreFinding[] Findings { get; set; } = [];
    public HandshakeResult[] Endpoints { get; set; } = [];
}
