namespace CertHeal.Keystores;

/// <summary>
/// The file of a certificate folder an entry was read from (or written to): keeping the entry
/// keeps the file untouched, removing the entry removes the file. Several entries may share one
/// file (a PEM file with more than one certificate).
/// </summary>
internal sealed record FolderFileOrigin(string Path) : EntryOrigin
{
    public override string ReadBackKey => Path;
}
