namespace CertHeal;

/// <summary>The state of one certificate on its own, judged at the time of the check.</summary>
public enum CertificateStatus
{
    Valid,
    Expired,
    NotYetValid,
    Untrusted,
    Unrelated,
    Duplicate,
}
