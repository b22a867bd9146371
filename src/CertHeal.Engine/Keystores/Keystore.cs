namespace CertHeal.Keystores;

/// <summary>A keystore in memory: where it lives, its format, and its entries in file order.</summary>
public sealed class Keystore
{
    public required string Path { get; init; }
    public required KeystoreFormat Format { get; init; }
    public List<KeystoreEntry> Entries { get; } = [];

    /// <summary>True when the keystore did not exist and will be created by the first write.</summary>
    public bool IsNew { get; init; }

    public IEnumerable<KeystoreEntry> TrustedEntries => Entries.Where(e => e.EntryType == KeystoreEntryType.TrustedCertificate && e.Certificate is not null);
}
