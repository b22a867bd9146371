namespace CertHeal;

/// <summary>
/// Every ErrorId the module raises, in one place, so Pester tests and runbooks can match on
/// them (`-ErrorId`) and they never drift between cmdlets.
/// </summary>
public static class ErrorIds
{
    public const string InvalidTarget = "CertHeal.InvalidTarget";
    public const string KeystoreUnreadable = "CertHeal.KeystoreUnreadable";
    public const string KeystoreNotFound = "CertHeal.KeystoreNotFound";
    public const string KeystorePassword = "CertHeal.KeystorePassword";
    public const string KeystoreLocked = "CertHeal.KeystoreLocked";
    public const string KeystoreReadOnly = "CertHeal.KeystoreReadOnly";
    public const string KeystoreValidationFailed = "CertHeal.KeystoreValidationFailed";
    public const string KeystoreUnsupported = "CertHeal.KeystoreUnsupported";
    public const string InvalidCertificate = "CertHeal.InvalidCertificate";
    public const string TrustRefused = "CertHeal.TrustRefused";
    public const string HealRefused = "CertHeal.HealRefused";
    public const string RequestFailed = "CertHeal.RequestFailed";
    public const string NoCertificate = "CertHeal.NoCertificate";

    /// <summary>-Proxy/-NoProxy contradict each other, or the proxy (given or from HTTPS_PROXY) is not an http:// URL.</summary>
    public const string InvalidProxy = "CertHeal.InvalidProxy";
}
