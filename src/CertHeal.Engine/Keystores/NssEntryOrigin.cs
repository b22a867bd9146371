namespace CertHeal.Keystores;

/// <summary>A certificate already in an NSS database: its nickname and its trust flags as certutil lists them.</summary>
internal sealed record NssEntryOrigin(string Nickname, string Trust) : EntryOrigin
{
    public override string ReadBackKey => Nickname + "|" + Trust;
}
