namespace CertHeal.Trust;

/// <summary>What one hook run did: the stores it synced and the lines it logged.</summary>
public sealed class HookSyncResult
{
    public List<KeystoreChange> Changes { get; } = [];
    public List<string> Log { get; } = [];
}
