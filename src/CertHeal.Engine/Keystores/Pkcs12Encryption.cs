namespace CertHeal.Keystores;

/// <summary>
/// How a new PKCS#12 file is protected (-Pkcs12Encryption / --pkcs12-encryption). An existing
/// file always keeps the algorithms it has, so its consumers still read it.
/// </summary>
public enum Pkcs12Encryption
{
    /// <summary>Certificates encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) under an HMAC-SHA256 MAC: what keytool 17 and OpenSSL 3 write.</summary>
    Aes,

    /// <summary>Certificates encrypted with pbeWithSHAAnd3-KeyTripleDES-CBC under an HMAC-SHA1 MAC: what Java 8, OpenSSL 1.x and older Windows read.</summary>
    Legacy,
}
