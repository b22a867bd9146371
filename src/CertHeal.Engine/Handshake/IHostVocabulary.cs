namespace CertHeal.Handshake;

/// <summary>
/// How a host words what the engine says: its own option names inside Reasons, and a Remedy
/// as a command its users can paste into their shell. The engine never spells a host's option,
/// so the CLI never tells anyone to pass -ServerName and a cmdlet never says --sni.
/// </summary>
public interface IHostVocabulary
{
    /// <summary>The option as typed in this host, e.g. "-ServerName" or "--sni".</summary>
    string Name(HostOption option);

    /// <summary>The command line that applies <paramref name="remedy"/> in this host's shell, quoted for that shell.</summary>
    string Render(Remedy remedy);
}
