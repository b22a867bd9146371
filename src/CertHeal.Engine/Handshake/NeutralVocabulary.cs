namespace CertHeal.Handshake;

/// <summary>
/// The wording for callers that are no shell (the engine's own stages, library users): options
/// named in words, a remedy described in a sentence. Hosts replace it with their own vocabulary.
/// </summary>
internal sealed class NeutralVocabulary : IHostVocabulary
{
    public static NeutralVocabulary Instance { get; } = new();

    public string Name(HostOption option) => option switch
    {
        HostOption.ServerName => "the server name (SNI) option",
        HostOption.Timeout => "the timeout",
        HostOption.ClientCertificate => "the client certificate option",
        HostOption.Protocol => "the protocol option",
        HostOption.StartTls => "the STARTTLS option",
        HostOption.Proxy => "the proxy option",
        HostOption.NoProxy => "the no-proxy option",
        HostOption.ProxyCredential => "the proxy credential option",
        HostOption.Keystore => "the keystore option",
        _ => "the port option",
    };

    public string Render(Remedy remedy)
    {
        var into = remedy.Probe.Keystore is { } keystore ? $"the keystore '{keystore}'" : "the default keystore";
        return remedy.Kind switch
        {
            RemedyKind.PinRoot => $"Collect the chain of {remedy.Probe.Target} and merge it into {into} with the Pinned policy and the fingerprint {remedy.Fingerprint}.",
            RemedyKind.GivePassword => "give its password",
            RemedyKind.GiveFormat => "name its format",
            RemedyKind.DropFormat => "name no file format",
            RemedyKind.SkipValidation => "skip the validation to write it anyway",
            RemedyKind.PinFingerprint => $"merge it under the Pinned policy with the trusted fingerprint {remedy.Fingerprint}",
            RemedyKind.PinnedPolicy => "pin its root under the Pinned policy",
            RemedyKind.RemoveSuperseded => "removing superseded entries replaces it",
            RemedyKind.DropSupersededEntries => "a merge that removes superseded entries drops the older one",
            RemedyKind.RemoveDistrustedEntries => "merge with the removal of distrusted entries",
            RemedyKind.RenewNow => $"a heal with a {remedy.Days}-day renewal window, or a merge that removes superseded entries, renews it now",
            RemedyKind.SyncFromLedger => "a sync from the trust ledger restores it",
            RemedyKind.PruneLedger => "prune the ledger to forget them",
            RemedyKind.TestPinAndRemoveBypass => $"Test {remedy.Probe.Target}; if it fails, collect its chain and merge it into the default keystore with the Pinned policy and the root's fingerprint from the test; then {Removal(remedy)}.",
            RemedyKind.RemoveBypass => $"Test the endpoint it calls, heal what the test reports, then {Removal(remedy)}.",
            RemedyKind.ObtainRootFromAdministrators => $"Merge the inspection root from your network's administrators into {into} with the Pinned policy and its SHA-256 fingerprint.",
            _ => $"Collect the chain of {remedy.Probe.Target} and merge it into {into}.",
        };
    }

    public string Render(RuntimeSteering steering) => steering.Kind switch
    {
        SteeringKind.EnvironmentVariable => $"set {steering.Name}={steering.Value} in its environment",
        SteeringKind.JvmProperty => $"add {Discovery.SteeringText.JvmOption(steering)} to {Discovery.SteeringText.JavaToolOptions} in its environment",
        SteeringKind.GitConfig => $"git config --global {steering.Name} {steering.Value}",
        _ => "",
    };

    private static string Removal(Remedy remedy) => remedy.Line is { } line
        ? $"remove \"{remedy.Setting}\" from line {line} of {remedy.Location}"
        : $"restart {remedy.Location} without \"{remedy.Setting}\"";
}
