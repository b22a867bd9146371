namespace CertHeal.Keystores;

/// <summary>
/// A keystore problem a user can fix, in one sentence that names the file and what to do.
/// Messages never contain a password.
/// </summary>
public sealed class KeystoreException(KeystoreErrorKind kind, string path, string message, Exception? inner = null) : Exception(message, inner)
{
    public KeystoreErrorKind Kind { get; } = kind;
    public string Path { get; } = path;
}
