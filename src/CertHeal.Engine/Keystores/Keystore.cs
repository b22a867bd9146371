namespace CertHeal.Keystores;

/// <summary>A keystore in memory: where it lives, its format, and its entries in file order.</summary>
public sealed class Keystore
{
    public required string Path { get; init; }
    public required KeystoreFormat Format { get; init; }
    public List<KeystoreEntry> Entries { get; } = [];

    /// <summary>True when the keystore did not exist and will be created by the first write.</summary>
    public bool IsNew { get; init; }

    /// <summary>SHA-256 of the bytes the keystore was read from, so <see cref="KeystoreFile.Save"/> can tell that another process wrote in between.</summary>
    internal byte[]? SourceDigest { get; set; }

    /// <summary>
    /// What the codec kept from the read so a rewrite changes only what the update changed (PEM
    /// text, PKCS#12 safes and protection, the JKS magic); null for a new store or a format without any.
    /// </summary>
    internal StoreOrigin? Origin { get; set; }

    /// <summary>How a PKCS#12 file that does not exist yet is protected; an existing one keeps its own protection.</summary>
    public Pkcs12Encryption? NewPkcs12Encryption { get; set; }

    public IEnumerable<KeystoreEntry> TrustedEntries => Entries.Where(e => e.EntryType == KeystoreEntryType.TrustedCertificate && e.Certificate is not null);
}
