namespace CertHeal.Keystores;

/// <summary>
/// A PKCS#12 file's safes, MAC and password form as read, so a rewrite copies unchanged safes
/// byte for byte and keeps the file's protection.
/// </summary>
internal sealed record Pkcs12StoreOrigin(Pkcs12Codec.Pkcs12Layout Layout) : StoreOrigin;
