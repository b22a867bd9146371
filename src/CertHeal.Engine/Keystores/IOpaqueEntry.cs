namespace CertHeal.Keystores;

/// <summary>
/// An entry a codec copies and never decrypts (a JKS key entry, PKCS#12 key bags). The read-back
/// check compares <see cref="ProtectedBytes"/>, so a write that altered a key is never installed.
/// </summary>
internal interface IOpaqueEntry
{
    /// <summary>The protected key material and its certificates, exactly as read.</summary>
    byte[] ProtectedBytes { get; }
}
