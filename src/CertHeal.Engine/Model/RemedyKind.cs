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
}
