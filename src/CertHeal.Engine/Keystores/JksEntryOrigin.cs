using System.Security.Cryptography;

namespace CertHeal.Keystores;

/// <summary>
/// A JKS or JCEKS entry exactly as read (<paramref name="Bytes"/>, from its tag to its end), so it is
/// written back byte for byte as long as the caller did not change it; a private-key entry's
/// encrypted key is copied, never decrypted or re-encrypted.
/// </summary>
internal sealed record JksEntryOrigin(byte[] Bytes, int Version, string Alias, int Tag, byte[]? Certificate, byte[]? EncryptedKey) : EntryOrigin
{
    public override string ReadBackKey => Convert.ToHexString(SHA256.HashData(Bytes));

    /// <summary>Alias, type and certificate as read: anything else means the entry changed and is written as new (or refused).</summary>
    public bool Matches(KeystoreEntry entry) =>
        entry.Alias == Alias
        && entry.EntryType == Tag switch { JksCodec.PrivateKeyTag => KeystoreEntryType.PrivateKey, JksCodec.TrustedCertificateTag => KeystoreEntryType.TrustedCertificate, _ => KeystoreEntryType.Other }
        && (entry.CertificateBytes ?? []).AsSpan().SequenceEqual(Certificate ?? []);
}
