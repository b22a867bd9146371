namespace CertHeal.Keystores;

/// <summary>
/// A certificate already in a Windows certificate store, by thumbprint; only entries without one
/// are added to the store on write.
/// </summary>
internal sealed record WindowsStoreOrigin(string Thumbprint) : EntryOrigin
{
    public override string ReadBackKey => Thumbprint;
}
