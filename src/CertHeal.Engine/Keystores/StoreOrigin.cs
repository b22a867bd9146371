namespace CertHeal.Keystores;

/// <summary>
/// What a codec keeps from reading a whole store so a rewrite changes only what the update
/// changed (a PEM bundle's text, a PKCS#12 file's safes and protection, the JKS magic). One sealed
/// subtype per format; a codec ignores another format's state and writes as for a new store.
/// </summary>
internal abstract record StoreOrigin;
