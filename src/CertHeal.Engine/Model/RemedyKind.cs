namespace CertHeal;

/// <summary>What heals a failed handshake from the client side; each host words it as its own command.</summary>
public enum RemedyKind
{
    /// <summary>The server left out an intermediate: collect the chain and merge it under ChainToTrusted.</summary>
    CollectAndMerge,

    /// <summary>An untrusted or self-signed root: collect the chain and merge it pinning the root's SHA-256 (Remedy.Fingerprint).</summary>
    PinRoot,

    /// <summary>
    /// A TLS-inspecting proxy that does not send its root: nothing the probe saw can be pinned,
    /// so the root has to come from the network's administrators.
    /// </summary>
    ObtainRootFromAdministrators,

    /// <summary>A keystore needs its password: the host names its password options.</summary>
    GivePassword,

    /// <summary>The file's format could not be told from its bytes: the host names its format option.</summary>
    GiveFormat,

    /// <summary>A folder was named with a file format: the host says to leave its format option out.</summary>
    DropFormat,

    /// <summary>The endpoint check refused the merged keystore: the host names its option to skip that check.</summary>
    SkipValidation,

    /// <summary>A self-signed root was skipped: merge it under Pinned naming Remedy.Fingerprint.</summary>
    PinFingerprint,

    /// <summary>No trusted root: add the issuing chain, or pin the root under the Pinned policy.</summary>
    PinnedPolicy,

    /// <summary>A renewal was added beside the entry it renews: the host names its option that replaces instead.</summary>
    RemoveSuperseded,

    /// <summary>A keystore holds an entry a newer one renews: the host names its merge that drops the older one.</summary>
    DropSupersededEntries,

    /// <summary>A keystore holds a blocked or distrusted entry: the host names its merge that removes it.</summary>
    RemoveDistrustedEntries,

    /// <summary>An entry's successor is already presented: the host names its renewal window (<see cref="Remedy.Days"/>) and its replacing merge.</summary>
    RenewNow,

    /// <summary>A ledger entry is missing from a store: the host names its sync.</summary>
    SyncFromLedger,

    /// <summary>The ledger lists stores that are gone: the host names its prune.</summary>
    PruneLedger,

    /// <summary>
    /// Validation was switched off for a known endpoint (Remedy.Probe): the host names its test of
    /// that endpoint, its collect-and-merge under Pinned (the root's fingerprint comes from the test),
    /// then the switch to remove (Remedy.Setting at Remedy.Location, line Remedy.Line).
    /// </summary>
    TestPinAndRemoveBypass,

    /// <summary>
    /// Validation was switched off and nothing names the endpoint: remove the switch (Remedy.Setting
    /// at Remedy.Location) and test the endpoint the code calls with the host's test command.
    /// </summary>
    RemoveBypass,
}
