namespace CertHeal;

public enum KeystoreHookState
{
    /// <summary>The file is there, byte for byte as an install with these settings writes it.</summary>
    Installed,

    Absent,

    /// <summary>The file is there but differs (another ledger or certheal, an older version, edited by hand): install rewrites it.</summary>
    Stale,
}
