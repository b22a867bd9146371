using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;

namespace CertHeal;

/// <summary>
/// One certificate of a server's chain. Settable properties only, so that a deserialized copy
/// (remoting, ConvertTo-Json) still carries everything; Pem lets such a copy be merged.
/// </summary>
public sealed class ChainCertificate
{
    public string Target { get; set; } = "";

    /// <summary>The SNI name the chain was collected with (set by the chain stage), so Merge-Keystore validates against the same endpoint.</summary>
    public string? ServerName { get; set; }
    public int Position { get; set; }
    public CertificateRole Role { get; set; }
    public CertificateSource Source { get; set; }
    public string Subject { get; set; } = "";
    public string Issuer { get; set; } = "";
    public string Thumbprint { get; set; } = "";
    public string Sha256Fingerprint { get; set; } = "";
    public string SerialNumber { get; set; } = "";
    public DateTime NotBefore { get; set; }
    public DateTime NotAfter { get; set; }
    public int DaysRemaining { get; set; }
    public string[] DnsNames { get; set; } = [];
    public string SignatureAlgorithm { get; set; } = "";
    public string KeyAlgorithm { get; set; } = "";
    public int KeySize { get; set; }
    public bool IsCertificateAuthority { get; set; }
    public bool IsSelfSigned { get; set; }
    public CertificateStatus Status { get; set; }

    /// <summary>What revocation checking learned (NotChecked when it was off or the certificate names no responder or CRL).</summary>
    public RevocationStatus Revocation { get; set; }

    /// <summary>Where <see cref="Revocation"/> came from; null when NotChecked or no source answered.</summary>
    public RevocationSource? RevocationSource { get; set; }

    /// <summary>One sentence: the revocation time and reason, or why the status is Unknown; otherwise null.</summary>
    public string? RevocationDetail { get; set; }

    /// <summary>One sentence when the server sent this certificate oddly (twice, out of order, unrelated); otherwise null.</summary>
    public string? Note { get; set; }
    public string Pem { get; set; } = "";

    [JsonIgnore]
    public X509Certificate2? Certificate { get; set; }
}
