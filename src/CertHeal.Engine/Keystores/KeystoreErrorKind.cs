namespace CertHeal.Keystores;

/// <summary>What went wrong with a keystore, so cmdlets map it to an ErrorId and category and the CLI to exit code 2.</summary>
public enum KeystoreErrorKind
{
    NotFound,
    Corrupt,
    WrongPassword,
    PasswordRequired,
    Locked,
    ReadOnly,
    Unsupported,
    ValidationFailed,
}
