using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>
/// The one rule that keeps a forgotten certificate out: whatever the policy (TrustOnFirstUse, a
/// heal's ChainToTrusted, Sync's ledger pins), a merge does not put back what someone removed on
/// purpose. Only naming its SHA-256 (-TrustedFingerprint / --trusted-fingerprint) is consent to
/// trust it again; the ledger then records it afresh, which clears the mark.
/// </summary>
internal sealed class ForgetRule(MergeOptions options)
{
    private readonly HashSet<string> _named = options.TrustedFingerprints
        .Select(f => f.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);

    private readonly Dictionary<string, DateTime?> _asked = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Why the certificate of <paramref name="fingerprint"/> is not written, or null when it may be.</summary>
    public string? Refusal(string fingerprint) =>
        Forgotten(fingerprint) is { } on
            ? $"forgotten on {on:yyyy-MM-dd} (removed on purpose), so it is not put back; to trust it again, {options.Vocabulary.Render(new Remedy { Kind = RemedyKind.PinFingerprint, Fingerprint = fingerprint })}"
            : null;

    /// <summary>Why a certificate that leans only on the incoming root <paramref name="root"/> is not written, or null.</summary>
    public string? RootRefusal(string root, string rootSubject) =>
        Forgotten(root) is { } on ? $"it chains only to '{rootSubject}' (SHA-256 {root}), which was forgotten on {on:yyyy-MM-dd} (removed on purpose)" : null;

    private DateTime? Forgotten(string fingerprint)
    {
        if (_named.Contains(fingerprint.ToUpperInvariant()))
        {
            return null;
        }
        if (!_asked.TryGetValue(fingerprint, out var on))
        {
            _asked[fingerprint] = on = options.ForgottenOn is { } lookup ? lookup(fingerprint) : options.Recorder?.ForgottenOn(fingerprint);
        }
        return on;
    }
}
