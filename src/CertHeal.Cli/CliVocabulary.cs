using System.Text;
using CertHeal.Handshake;
using CertHeal.Keystores;

namespace CertHeal.Cli;

/// <summary>
/// certheal's words for what the engine says: its option names in Reasons, and a Remedy as a
/// certheal pipeline (`certheal chain ... --out - | certheal merge ...`) quoted for sh.
/// </summary>
internal sealed class CliVocabulary : IHostVocabulary
{
    public static CliVocabulary Instance { get; } = new();

    public string Name(HostOption option) => option switch
    {
        HostOption.Port => "--port",
        HostOption.ServerName => "--sni",
        HostOption.Timeout => "--timeout",
        HostOption.ClientCertificate => "--client-cert",
        HostOption.Protocol => "--protocol",
        HostOption.StartTls => "--starttls",
        HostOption.Proxy => "--proxy",
        HostOption.NoProxy => "--no-proxy",
        HostOption.ProxyCredential => "--proxy-user",
        HostOption.Keystore => "--keystore",
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
        // certheal merge always names its keystore: the probe's, else the per-user default that Merge-Keystore would use.
        var keystore = PosixQuote.Quote(probe.Keystore ?? KeystoreMerger.DefaultKeystorePath());
        if (remedy.Kind == RemedyKind.ObtainRootFromAdministrators)
        {
            return $"certheal merge {keystore} <the inspection root from your network's administrators> --policy Pinned --trusted-fingerprint <its SHA-256>";
        }
        var command = new StringBuilder("certheal chain ").Append(PosixQuote.Quote(RemedyCommand.Endpoint(probe)));
        foreach (var (option, value) in RemedyCommand.CollectOptions(probe))
        {
            command.Append(' ').Append(Name(option));
            if (value is not null)
            {
                command.Append(' ').Append(PosixQuote.Quote(option is HostOption.StartTls ? value.ToLowerInvariant() : value));
            }
        }
        command.Append(" --out - | certheal merge ").Append(keystore).Append(" -");
        if (remedy.Kind == RemedyKind.PinRoot)
        {
            command.Append(" --policy Pinned --trusted-fingerprint ").Append(PosixQuote.Quote(remedy.Fingerprint ?? ""));
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
            ? $"remove {PosixQuote.Quote(remedy.Setting ?? "")} from line {line} of {PosixQuote.Quote(remedy.Location ?? "")}"
            : $"restart {remedy.Location} without {PosixQuote.Quote(remedy.Setting ?? "")}";
        if (remedy.Kind == RemedyKind.RemoveBypass)
        {
            return $"certheal test <the host:port it calls>, heal what it reports, then {remove}";
        }
        var endpoint = PosixQuote.Quote(RemedyCommand.Endpoint(remedy.Probe));
        return $"certheal test {endpoint}; if it fails: certheal chain {endpoint} --out - | certheal merge {PosixQuote.Quote(KeystoreMerger.DefaultKeystorePath())} - "
            + $"--policy Pinned --trusted-fingerprint <the root's SHA-256 from certheal test>; then {remove}";
    }

    /// <summary>A steering switch as sh exports it to the processes the shell starts next.</summary>
    public string Render(RuntimeSteering steering) => steering.Kind switch
    {
        SteeringKind.EnvironmentVariable => $"export {steering.Name}={PosixQuote.Quote(steering.Value ?? "")}",
        SteeringKind.JvmProperty => $"export {Discovery.SteeringText.JavaToolOptions}={PosixQuote.Quote(Discovery.SteeringText.JvmOption(steering))}",
        SteeringKind.GitConfig => $"git config --global {steering.Name} {PosixQuote.Quote(steering.Value ?? "")}",
        _ => "",
    };

    private static string? Clause(Remedy remedy) => remedy.Kind switch
    {
        // The file and environment forms first: --password shows in process lists.
        RemedyKind.GivePassword => "pass --password-file, --password-env or --password",
        RemedyKind.GiveFormat => "pass --format",
        RemedyKind.DropFormat => "drop --format",
        RemedyKind.SkipValidation => "use --skip-validation to write it anyway",
        RemedyKind.PinFingerprint => "use --policy Pinned --trusted-fingerprint " + PosixQuote.Quote(remedy.Fingerprint ?? ""),
        RemedyKind.PinnedPolicy => "pin its root with --policy Pinned",
        RemedyKind.RemoveSuperseded => "--remove-superseded replaces it",
        RemedyKind.DropSupersededEntries => "certheal merge <keystore> --remove-superseded drops the older one",
        RemedyKind.RemoveDistrustedEntries => "certheal merge <keystore> --remove-distrusted",
        RemedyKind.RenewNow => $"certheal request --renew-before {remedy.Days} or certheal merge --remove-superseded renews it now",
        RemedyKind.SyncFromLedger => "certheal sync restores it",
        RemedyKind.PruneLedger => "certheal ledger prune forgets them",
        _ => null,
    };
}
