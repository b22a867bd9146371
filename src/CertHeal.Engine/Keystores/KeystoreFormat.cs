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
}
