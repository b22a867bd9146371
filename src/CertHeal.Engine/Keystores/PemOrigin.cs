namespace CertHeal.Keystores;

/// <summary>
/// A PEM block that is not a readable certificate (a private key, a damaged certificate), as the
/// exact text read, because CertHeal never re-encodes what it does not manage.
/// </summary>
internal sealed record PemOrigin(string Block) : EntryOrigin
{
    public override string ReadBackKey => Block;
}
