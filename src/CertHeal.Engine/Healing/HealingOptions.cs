using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Healing;

/// <summary>How the heal loop trusts, merges and retries.</summary>
public sealed class HealingOptions
{
    /// <summary>The keystore that is trusted alongside the system and that heals are merged into.</summary>
    public required string KeystorePath { get; init; }
    public KeystoreFormat? Format { get; init; }
    public KeystorePassword? Password { get; init; }

    /// <summary>
    /// Revocation checking of the probes and of every merge: a revoked certificate is never
    /// written and fails the request; Unknown is written with a warning unless HardFail.
    /// </summary>
    public RevocationCheckMode Revocation { get; init; } = RevocationCheckMode.SoftFail;
    public TrustPolicy Policy { get; init; } = TrustPolicy.ChainToTrusted;
    public IReadOnlyList<string> TrustedFingerprints { get; init; } = [];

    /// <summary>Approves each new trust anchor; null approves what the policy allows.</summary>
    public Func<string, bool>? ApproveAnchor { get; init; }

    /// <summary>The OS roots; tests inject a lab set. Null = the machine's roots.</summary>
    public TrustAnchors? System { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The HTTP credential offered when the server challenges (-Credential without -Authentication); null offers none.</summary>
    public System.Net.ICredentials? HttpCredential { get; init; }

    /// <summary>The file ClientCertificate came from, when known, so a Recommendation can name it.</summary>
    public string? ClientCertificatePath { get; init; }

    /// <summary>The host's words for the probes' Reasons and Recommendations.</summary>
    public Handshake.IHostVocabulary? Vocabulary { get; init; }

    /// <summary>How requests and probes reach the server (proxy, resolver, address family); null = environment proxy, system DNS.</summary>
    public Handshake.IConnector? Connector { get; init; }

    /// <summary>Days: renew a keystore entry that expires this soon when the server already presents its successor. 0 = off.</summary>
    public int RenewBeforeDays { get; init; }

    /// <summary>Skip AIA while collecting the chain.</summary>
    public bool NoAia { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Records each heal that wrote the keystore (the trust ledger); null records nothing.</summary>
    public IMergeRecorder? Recorder { get; init; }
}
