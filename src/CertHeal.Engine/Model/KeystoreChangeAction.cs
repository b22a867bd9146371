namespace CertHeal;

public enum KeystoreChangeAction
{
    Added,
    Replaced,
    Unchanged,
    Skipped,

    /// <summary>A trusted entry taken out of the store (-RemoveDistrusted: a blocked key or a distrusted root).</summary>
    Removed,
}
