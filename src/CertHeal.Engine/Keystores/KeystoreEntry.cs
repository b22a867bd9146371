using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

public enum KeystoreEntryType
{
    TrustedCertificate,
    PrivateKey,
    Other,
}

/// <summary>
/// One entry of a keystore. Entries CertHeal does not manage (private keys, secret keys) keep
/// their original bytes in <see cref="Origin"/> and are written back exactly as read.
/// </summary>
public sealed class KeystoreEntry
{
    public string Alias { get; set; } = "";
    public KeystoreEntryType EntryType { get; set; }

    /// <summary>The trusted certificate, or the first certificate of a private-key entry's chain.</summary>
    public X509Certificate2? Certificate { get; set; }

    public DateTime? CreationDate { get; set; }

    /// <summary>Why the entry could not be read (the rest of the keystore still is).</summary>
    public string? Unreadable { get; set; }

    /// <summary>
    /// Where the entry was read from, in its format's own terms (the bytes copied, never re-encoded,
    /// or the file or thumbprint it lives under); null for an entry that is new or was changed so
    /// that it must be written as new. A codec treats another format's origin as null.
    /// </summary>
    internal EntryOrigin? Origin { get; set; }
}
