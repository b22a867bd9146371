using CertHeal.Trust;

namespace CertHeal.Keystores;

/// <summary>How Merge-Keystore decides, per incoming certificate.</summary>
public sealed record MergeOptions
{
    public TrustPolicy Policy { get; init; } = TrustPolicy.ChainToTrusted;

    /// <summary>SHA-256 fingerprints (any case, colons allowed) that Pinned may add as new anchors.</summary>
    public IReadOnlyList<string> TrustedFingerprints { get; init; } = [];

    /// <summary>Replace a still-valid entry that an incoming certificate renews, instead of keeping both.</summary>
    public bool RemoveSuperseded { get; init; }

    /// <summary>
    /// Take out every trusted-certificate entry whose key is blocked or whose root program distrusts
    /// it after a date (Trust/Distrust), through the same locked, backed-up, validated write.
    /// Private-key entries are never touched.
    /// </summary>
    public bool RemoveDistrusted { get; init; }

    /// <summary>What "trusted by the OS" means; null = the system's roots (tests inject a lab set).</summary>
    public TrustAnchors? System { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Words the Reasons' remedies (pin a root, replace a superseded entry) in the calling host's option names.</summary>
    public Handshake.IHostVocabulary Vocabulary { get; init; } = Handshake.NeutralVocabulary.Instance;

    /// <summary>
    /// Revocation checking of each certificate before it is written. A certificate known revoked is
    /// never written, whatever the policy; Unknown is written with a warning under SoftFail (the
    /// default) and skipped under HardFail. Off checks nothing.
    /// </summary>
    public RevocationCheckMode Revocation { get; init; } = RevocationCheckMode.SoftFail;

    /// <summary>The time cap of one OCSP or CRL request.</summary>
    public TimeSpan RevocationTimeout { get; init; } = CertHeal.Revocation.RevocationChecker.DefaultTimeout;

    /// <summary>
    /// Asked for every certificate that would become a new trust anchor (its SHA-256) and whose
    /// fingerprint is not in <see cref="TrustedFingerprints"/> (naming it is the consent); false
    /// skips it. Null approves all the policy allows. Merge-Keystore plans first, asks the
    /// person (on the pipeline thread), then merges with the approved set.
    /// </summary>
    public Func<string, bool>? ApproveAnchor { get; init; }

    /// <summary>Who answers <see cref="ApproveAnchor"/>, for the audit trail; with no approver the policy's anchors go in as <see cref="ConsentSource.Forced"/>.</summary>
    public ConsentSource Approver { get; init; } = ConsentSource.ApprovedByHost;

    /// <summary>Told after a merge that wrote the keystore (the trust ledger); null records nothing.</summary>
    public IMergeRecorder? Recorder { get; init; }

    /// <summary>
    /// When a SHA-256 was forgotten on purpose (null: not forgotten); see <see cref="Trust.ForgetRule"/>.
    /// Null asks <see cref="Recorder"/> (the trust ledger the merge records into).
    /// </summary>
    public Func<string, DateTime?>? ForgottenOn { get; init; }
    /// <summary>How a PKCS#12 file the merge creates is encrypted; an existing one keeps its own protection. Null: certificates unencrypted under an HMAC-SHA256 MAC.</summary>
    public Pkcs12Encryption? Pkcs12Encryption { get; init; }

    /// <summary>
    /// The same options with another approver: a commit approves from the set its host gathered, asking nobody.
    /// A copy by `with`, so an option added later is never dropped on the way to the commit.
    /// </summary>
    internal MergeOptions WithApproval(Func<string, bool>? approve, ConsentSource approver) => this with { ApproveAnchor = approve, Approver = approver };
}
