namespace CertHeal.Keystores;

/// <summary>
/// Where an entry came from in the store it was read from, in that format's own terms, so the
/// codec that wrote it can copy it back unchanged. Each format has its own sealed subtype; a codec
/// that meets another format's origin (an entry copied across formats) treats the entry as new,
/// because those bytes mean nothing in its own format.
/// </summary>
internal abstract record EntryOrigin
{
    /// <summary>
    /// What the read-back check compares for an entry that is not a plain trusted certificate
    /// (<see cref="KeystoreFile"/>): a write that altered a copied entry must not be installed.
    /// </summary>
    public abstract string ReadBackKey { get; }
}
