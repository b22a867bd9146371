namespace CertHeal;

/// <summary>
/// Every ErrorId the module raises, in one place, so Pester tests and runbooks can match on
/// them (`-ErrorId`) and they never drift between cmdlets.
/// </summary>
public static class ErrorIds
{
    public const string InvalidTarget = "CertHeal.InvalidTarget";
    public const string KeystoreUnreadable = "CertHeal.KeystoreUnreadable";
    public const string NoCertificate = "CertHeal.NoCertificate";
}
