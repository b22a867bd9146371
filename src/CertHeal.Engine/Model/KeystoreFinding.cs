namespace CertHeal;

/// <summary>One thing the validator noticed about one entry (or the whole keystore), with a stable Code scripts can match.</summary>
public sealed class KeystoreFinding
{
    public FindingSeverity Severity { get; set; }

    /// <summary>Expired, ExpiringSoon, NotYetValid, WeakSignature, WeakKey, NotACertificateAuthority, Duplicate, Superseded, Unreadable, Integrity, EndpointFailed.</summary>
    public string Code { get; set; } = "";
    public string? Alias { get; set; }
    public string? Subject { get; set; }
    public string? Thumbprint { get; set; }
    public string Message { get; set; } = "";
}
