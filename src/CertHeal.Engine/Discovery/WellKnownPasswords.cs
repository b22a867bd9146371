using CertHeal.Keystores;

namespace CertHeal.Discovery;

/// <summary>
/// The well-known default store passwords (Java's "changeit", "changeme"): which one, if any,
/// really opens a JKS or PKCS#12 store (its integrity check passes). Nothing else is ever guessed.
/// </summary>
public static class WellKnownPasswords
{
    public static readonly IReadOnlyList<string> Defaults = ["changeit", "changeme"];

    /// <summary>The default that opens the store, with the store as read with it; null when none does or it needs none.</summary>
    public static (string Password, Keystore Keystore)? Find(string path, KeystoreFormat format, IReadOnlyList<string>? candidates = null)
    {
        if (format is not (KeystoreFormat.Jks or KeystoreFormat.Pkcs12))
        {
            return null;
        }
        foreach (var candidate in candidates ?? Defaults)
        {
            using var password = KeystorePassword.FromString(candidate);
            try
            {
                return (candidate, KeystoreFile.Open(path, format, password));
            }
            catch (KeystoreException e) when (e.Kind is KeystoreErrorKind.WrongPassword or KeystoreErrorKind.PasswordRequired)
            {
                // Not this one.
            }
        }
        return null;
    }
}
