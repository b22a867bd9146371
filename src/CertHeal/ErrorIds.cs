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

    /// <summary>
    /// Invoke-HealedRequest got a 4xx/5xx answer (without -SkipHttpErrorCheck): the same ErrorId as
    /// Invoke-RestMethod/Invoke-WebRequest, so a runbook's `catch` or Pester's -ErrorId works for both.
    /// </summary>
    public const string WebResponse = "WebCmdletWebResponseException";

    /// <summary>-Authentication Basic without -Credential (Invoke-RestMethod's ErrorId).</summary>
    public const string AuthenticationCredentialNotSupplied = "WebCmdletAuthenticationCredentialNotSuppliedException";

    /// <summary>-Authentication Bearer/OAuth without -Token (Invoke-RestMethod's ErrorId).</summary>
    public const string AuthenticationTokenNotSupplied = "WebCmdletAuthenticationTokenNotSuppliedException";

    /// <summary>-Token together with -Credential (Invoke-RestMethod's ErrorId).</summary>
    public const string AuthenticationTokenConflict = "WebCmdletAuthenticationTokenConflictException";

    /// <summary>-Token without -Authentication Bearer or OAuth.</summary>
    public const string AuthenticationTokenWithoutAuthentication = "WebCmdletAuthenticationTokenWithoutAuthenticationException";

    /// <summary>A credential or token over http:// without -AllowUnencryptedAuthentication (Invoke-RestMethod's ErrorId).</summary>
    public const string AllowUnencryptedAuthenticationRequired = "WebCmdletAllowUnencryptedAuthenticationRequiredException";

    /// <summary>Find-TlsBypass -Path names nothing that exists, or a path outside the file system (the other paths are still scanned).</summary>
    public const string PathNotFound = "CertHeal.PathNotFound";

    /// <summary>Find-TlsBypass -ProcessId names no running process (the other processes are still scanned).</summary>
    public const string ProcessNotFound = "CertHeal.ProcessNotFound";

    /// <summary>Remove-KeystoreEntry -Fingerprint matches nothing in the trust ledger or the stores named (the other fingerprints still run).</summary>
    public const string FingerprintNotFound = "CertHeal.FingerprintNotFound";

    /// <summary>-OutFile could not be written (not a file-system path, a folder with no file name, access denied, disk full).</summary>
    public const string OutFileFailed = "CertHeal.OutFileFailed";

    /// <summary>A hook file could not be written or removed (not a Debian system, not CertHeal's file, no permission).</summary>
    public const string HookFailed = "CertHeal.HookFailed";

    /// <summary>The certheal a hook should run is not on PATH, or -CliPath names nothing.</summary>
    public const string CliNotFound = "CertHeal.CliNotFound";
}
