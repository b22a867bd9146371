using System.Text;
using CertHeal.Handshake;

namespace CertHeal.Internal;

/// <summary>
/// The cmdlets' words for what the engine says: parameter names in Reasons, and a Remedy as a
/// `Get-ServerCertificateChain ... | Merge-Keystore ...` pipeline with every string in single quotes.
/// </summary>
internal sealed class PowerShellVocabulary(string passwordParameters) : IHostVocabulary
{
    /// <summary>The words of the cmdlets that open a keystore to change or check it (-Password, -Credential).</summary>
    public static PowerShellVocabulary Instance { get; } = new("-Password or -Credential");

    /// <summary>The words of the cmdlets whose keystore is only a trust store (-KeystorePassword, -KeystoreCredential).</summary>
    public static PowerShellVocabulary TrustStore { get; } = new("-KeystorePassword or -KeystoreCredential");

    public string Name(HostOption option) => option switch
    {
        HostOption.Port => "-Port",
        HostOption.ServerName => "-ServerName",
        HostOption.Timeout => "-TimeoutSec",
        HostOption.ClientCertificate => "-ClientCertificate",
        HostOption.Protocol => "-Protocol",
        HostOption.StartTls => "-StartTls",
        HostOption.Proxy => "-Proxy",
        HostOption.NoProxy => "-NoProxy",
        HostOption.ProxyCredential => "-ProxyCredential",
        HostOption.Keystore => "-Keystore",
        _ => throw new ArgumentOutOfRangeException(nameof(option), option, null),
    };

    public string Render(Remedy remedy)
    {
        if (remedy.Kind is RemedyKind.TestPinAndRemoveBypass or RemedyKind.RemoveBypass)
        {
            return Bypass(remedy);
        }
        if (Clause(remedy) is { } clause)
        {
            return clause;
        }
        var probe = remedy.Probe;
        // Without -Path, Merge-Keystore writes the per-user default keystore, as the probe's absence of -Keystore implies.
        var path = probe.Keystore is { } keystore ? " -Path " + Quote(keystore) : "";
        if (remedy.Kind == RemedyKind.ObtainRootFromAdministrators)
        {
            return $"Merge-Keystore{path} -Certificate <the inspection root from your network's administrators> -TrustPolicy Pinned -TrustedFingerprint <its SHA-256>";
        }
        var command = new StringBuilder("Get-ServerCertificateChain -Target ").Append(Quote(RemedyCommand.Endpoint(probe)));
        foreach (var (option, value) in RemedyCommand.CollectOptions(probe))
        {
            command.Append(' ').Append(Name(option));
            if (value is not null)
            {
                // Enum names and numbers bind as barewords; everything a user or a server chose is quoted.
                command.Append(' ').Append(option is HostOption.StartTls or HostOption.Protocol or HostOption.Timeout ? value : Quote(value));
            }
        }
        command.Append(" | Merge-Keystore").Append(path);
        if (remedy.Kind == RemedyKind.PinRoot)
        {
            command.Append(" -TrustPolicy Pinned -TrustedFingerprint ").Append(Quote(remedy.Fingerprint ?? ""));
        }
        return command.ToString();
    }

    /// <summary>
    /// Test the endpoint, merge its chain pinning the root the test shows, and only then remove the
    /// switch: removing it first would break the app until the trust is healed.
    /// </summary>
    private static string Bypass(Remedy remedy)
    {
        var remove = remedy.Line is { } line
            ? $"remove {Quote(remedy.Setting ?? "")} from line {line} of {Quote(remedy.Location ?? "")}"
            : $"restart {remedy.Location} without {Quote(remedy.Setting ?? "")}";
        if (remedy.Kind == RemedyKind.RemoveBypass)
        {
            return $"Test-TlsHandshake -Target <the host:port it calls>, heal what it reports, then {remove}";
        }
        var endpoint = Quote(RemedyCommand.Endpoint(remedy.Probe));
        return $"Test-TlsHandshake -Target {endpoint}; if it fails: Get-ServerCertificateChain -Target {endpoint} | Merge-Keystore -TrustPolicy Pinned "
            + $"-TrustedFingerprint <the root's SHA-256 from Test-TlsHandshake>; then {remove}";
    }

    /// <summary>
    /// A steering switch as PowerShell sets it for the processes this session starts; a service
    /// takes the same Name=Value as a systemd Environment= line.
    /// </summary>
    public string Render(RuntimeSteering steering) => steering.Kind switch
    {
        SteeringKind.EnvironmentVariable => $"$env:{steering.Name} = {Quote(steering.Value ?? "")}",
        SteeringKind.JvmProperty => $"$env:{Discovery.SteeringText.JavaToolOptions} = {Quote(Discovery.SteeringText.JvmOption(steering))}",
        SteeringKind.GitConfig => $"git config --global {steering.Name} {Quote(steering.Value ?? "")}",
        _ => "",
    };

    private string? Clause(Remedy remedy) => remedy.Kind switch
    {
        RemedyKind.GivePassword => "pass " + passwordParameters,
        RemedyKind.GiveFormat => "pass -Format",
        RemedyKind.DropFormat => "drop -Format",
        RemedyKind.SkipValidation => "use -SkipValidation to write it anyway",
        RemedyKind.PinFingerprint => "use -TrustPolicy Pinned -TrustedFingerprint " + Quote(remedy.Fingerprint ?? ""),
        RemedyKind.PinnedPolicy => "pin its root with -TrustPolicy Pinned",
        RemedyKind.RemoveSuperseded => "-RemoveSuperseded replaces it",
        RemedyKind.DropSupersededEntries => "Merge-Keystore -RemoveSuperseded drops the older one",
        RemedyKind.RemoveDistrustedEntries => "Merge-Keystore -RemoveDistrusted",
        RemedyKind.RenewNow => $"Invoke-HealedRequest -RenewBefore {remedy.Days} or Merge-Keystore -RemoveSuperseded renews it now",
        RemedyKind.SyncFromLedger => "Sync-Keystore restores it",
        RemedyKind.PruneLedger => "Sync-Keystore -PruneLedger forgets them",
        _ => null,
    };

    /// <summary>
    /// A PowerShell single-quoted string: nothing inside is expanded; PowerShell also closes a
    /// single-quoted string on the typographic quotes, so those are doubled like the ASCII one.
    /// </summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder("'");
        foreach (var c in value)
        {
            text.Append(c);
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
            {
                text.Append(c);
            }
        }
        return text.Append('\'').ToString();
    }
}
