using CertHeal.Trust;

namespace CertHeal.Keystores;

/// <summary>
/// A keystore of any format as the trust store of a probe (-Keystore). A JKS can be read without
/// its password (as keytool does, without the integrity check); PKCS#12 needs it.
/// </summary>
public static class TrustStoreLoader
{
    public static TrustAnchors Load(string path, KeystorePassword? password = null, KeystoreFormat? format = null)
    {
        var full = KeystoreFormats.FullPath(path);
        var keystore = KeystoreFile.Open(full, format, password);
        if (!keystore.TrustedEntries.Any())
        {
            throw new KeystoreException(KeystoreErrorKind.Corrupt, full, $"The keystore '{full}' holds no trusted certificates; give a keystore of trusted certificates.");
        }
        return KeystoreFile.Anchors(keystore);
    }
}
