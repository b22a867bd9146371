namespace CertHeal;

/// <summary>
/// How a command checks revocation (-RevocationCheck / --revocation). Our own enum rather than
/// X509RevocationMode: that one says where .NET looks (online/offline), this one says what an
/// unanswered check means.
/// </summary>
public enum RevocationCheckMode
{
    /// <summary>No OCSP or CRL request is made; every certificate is NotChecked.</summary>
    Off,

    /// <summary>
    /// Revoked fails; Unknown (no valid answer) passes with a note, as browsers and .NET's
    /// default online check do. The default of the probe.
    /// </summary>
    SoftFail,

    /// <summary>Revoked fails and so does Unknown (Java with com.sun.net.ssl.checkRevocation and no soft-fail, curl --ssl-revoke-best-effort off).</summary>
    HardFail,
}
