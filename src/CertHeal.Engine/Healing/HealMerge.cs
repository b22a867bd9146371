using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Keystores;

namespace CertHeal.Healing;

/// <summary>
/// The heal loop's merge, off the request's thread: the merge validates the candidate keystore by
/// handshaking with the endpoint, and KeystoreFile's validation hook is synchronous, so running it
/// inline in SendAsync blocked the caller's thread on async handshakes.
/// </summary>
internal static class HealMerge
{
    public static Task<KeystoreChange> MergeAsync(HealingOptions options, IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<TlsTarget> endpoints,
        bool removeSuperseded, CancellationToken cancellationToken) =>
        Task.Run(() => KeystoreMerger.Merge(options.KeystorePath, options.Format, options.Password, certificates, Options(options, removeSuperseded),
            new SaveOptions { Cancellation = cancellationToken }, endpoints), cancellationToken);

    /// <summary>
    /// The heal's merge rules, shared with the diagnosis (WhatIf) so its plan is the merge the heal
    /// would make: an anchor the host would refuse shows as refused there too.
    /// </summary>
    public static MergeOptions Options(HealingOptions options, bool removeSuperseded) => new()
    {
        Policy = options.Policy,
        Revocation = options.Revocation,
        TrustedFingerprints = options.TrustedFingerprints,
        RemoveSuperseded = removeSuperseded,
        System = options.System,
        Vocabulary = options.Vocabulary ?? NeutralVocabulary.Instance,
        ApproveAnchor = options.ApproveAnchor,
        Clock = options.Clock,
        Recorder = options.Recorder,
    };
}
