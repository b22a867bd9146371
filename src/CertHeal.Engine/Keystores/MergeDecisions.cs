namespace CertHeal.Keystores;

/// <summary>
/// The costly part of a merge plan, per incoming certificate (by SHA-256): revocation and the
/// trust policy's verdict. A commit into the same store bytes reuses them instead of building
/// every chain again; a store that changed in between gets them afresh (<see cref="Clear"/>).
/// </summary>
internal sealed class MergeDecisions
{
    internal sealed record Decision(string? Revoked, string? RevocationWarning, bool Allowed, string Reason, bool NewAnchor, bool Pinned,
        string? IncomingRootFingerprint, string? IncomingRootSubject);

    private readonly Dictionary<string, Decision> _byFingerprint = new(StringComparer.Ordinal);

    public Decision GetOrAdd(string fingerprint, Func<Decision> decide)
    {
        if (!_byFingerprint.TryGetValue(fingerprint, out var decision))
        {
            _byFingerprint[fingerprint] = decision = decide();
        }
        return decision;
    }

    public void Clear() => _byFingerprint.Clear();
}
