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

    /// <summary>
    /// The command line that applies <paramref name="remedy"/> in this host's shell, quoted for that
    /// shell; for the remedies of a keystore error or a skipped entry (GivePassword and those after
    /// it), the closing words of the sentence that names this host's options.
    /// </summary>
    string Render(Remedy remedy);

    /// <summary>The switch of <paramref name="steering"/> as a line of this host's shell; empty for SteeringKind.None.</summary>
    string Render(RuntimeSteering steering);
}
