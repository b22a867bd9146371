namespace CertHeal.Keystores;

/// <summary>The keystore formats CertHeal reads and writes, detected from content (see <see cref="KeystoreFormats"/>).</summary>
public enum KeystoreFormat
{
    PemBundle,
    Der,
    Pkcs12,
    Jks,
    Directory,
    WindowsStore,

    /// <summary>An NSS "sql:" database (cert9.db: Firefox profiles, Chromium's ~/.pki/nssdb, /etc/pki/nssdb), changed only through NSS's certutil.</summary>
    Nss,
}
