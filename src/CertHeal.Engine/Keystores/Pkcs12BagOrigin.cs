using System.Security.Cryptography;

namespace CertHeal.Keystores;

/// <summary>
/// The SafeBags an entry was read from (a key with its chain, or one certificate or other bag),
/// attributes included; they are written back as they are while the entry is unchanged, and a
/// key bag is never decrypted.
/// </summary>
internal sealed record Pkcs12BagOrigin(IReadOnlyList<Pkcs12Codec.Bag> Bags, string Alias, byte[]? Certificate) : EntryOrigin
{
    /// <summary>The protected key material and its certificates, exactly as read.</summary>
    public byte[] ProtectedBytes => Bags.SelectMany(b => b.Encoded).ToArray();

    public override string ReadBackKey => Convert.ToHexString(SHA256.HashData(ProtectedBytes));

    /// <summary>Alias and certificate as read: a renamed or renewed entry is written as new.</summary>
    public bool Unchanged(KeystoreEntry entry) =>
        entry.Alias == Alias && (entry.CertificateBytes ?? []).AsSpan().SequenceEqual(Certificate ?? []);
}
