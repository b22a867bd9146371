namespace CertHeal.Keystores;

/// <summary>The text a bundle was read from and where each PEM block sits in it, so a rewrite keeps the rest.</summary>
internal sealed record PemStoreOrigin(string Text, List<PemStoreOrigin.PemBlock> Blocks) : StoreOrigin
{
    /// <summary>
    /// A PEM block in the text read: Start..End is what a removal takes out (the block, and
    /// CertHeal's own comment above it). A certificate block is found again by its DER, any other
    /// block by its exact <paramref name="Text"/>.
    /// </summary>
    internal sealed record PemBlock(int Start, int End, byte[]? Certificate, string? Text);
}
