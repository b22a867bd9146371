using System.Collections.Concurrent;
using CertHeal.Handshake;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// Decides, per incoming certificate, whether the trust policy lets it into a keystore. Every
/// refusal carries the sentence the user sees, naming the fingerprint that would be trusted.
/// </summary>
internal sealed class TrustPolicyEvaluator
{
    private readonly TrustPolicy _policy;
    private readonly HashSet<string> _pinned;
    private readonly DateTime _now;
    private readonly HashSet<string> _trustedBefore;
    private readonly Lazy<Classified> _classified;
    private readonly List<X509Certificate2> _incoming;
    private readonly Lazy<Dictionary<string, List<TrustVerdict>>> _throughPaths;

    /// <summary>One chain evaluation per certificate (the engine's verdict over the path to the trusted roots).</summary>
    private readonly ConcurrentDictionary<string, TrustVerdict> _verdicts = new(StringComparer.Ordinal);

    /// <summary>Anchors and path material, sorted by signature checks: only chain decisions need them.</summary>
    private sealed record Classified(X509Certificate2Collection Anchors, X509Certificate2Collection Material, HashSet<string> Known,
        X509Certificate2Collection IncomingRoots, TrustAnchors Trusted, HashSet<string> AnchorFingerprints);

    /// <summary>Words the remedies in skip reasons in the calling host's option names.</summary>
    public IHostVocabulary Words { get; init; } = NeutralVocabulary.Instance;

    /// <param name="keystoreFingerprints">The SHA-256 fingerprints of the certificates already in the keystore.</param>
    /// <param name="keystore">Those certificates, asked for only when a chain must be built over them.</param>
    /// <param name="system">The machine's anchors (tests inject a lab set).</param>
    /// <param name="incoming">Everything being merged: usable as path material for each other.</param>
    public TrustPolicyEvaluator(TrustPolicy policy, IEnumerable<string> pinnedSha256, IEnumerable<string> keystoreFingerprints, Func<IEnumerable<X509Certificate2>> keystore,
        TrustAnchors system, IEnumerable<X509Certificate2> incoming, DateTime nowUtc)
    {
        _policy = policy;
        _now = nowUtc;
        _pinned = pinnedSha256.Select(NormalizeFingerprint).ToHashSet(StringComparer.Ordinal);
        var incomingList = incoming.ToList();
        _incoming = incomingList;
        // Whether a self-signed certificate is already an anchor needs no signature check of the
        // keystore: an entry with its fingerprint is the same certificate, so self-signed too.
        // A profile of a 2,500-into-5,000 merge spent 38% checking every entry's signature up front.
        _trustedBefore = keystoreFingerprints.Concat(system.Roots.Cast<X509Certificate2>().Select(CertificateFacts.Sha256Fingerprint))
            .ToHashSet(StringComparer.Ordinal);
        _classified = new Lazy<Classified>(() => Classify([.. keystore()], system, incomingList), LazyThreadSafetyMode.ExecutionAndPublication);
        _throughPaths = new Lazy<Dictionary<string, List<TrustVerdict>>>(IndexThroughPaths, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private Classified Classify(List<X509Certificate2> keystore, TrustAnchors system, List<X509Certificate2> incoming)
    {
        X509Certificate2Collection anchors = [], material = [], incomingRoots = [];
        // Java treats every trustedCertEntry as an anchor; we accept a chain only when it ends in
        // a self-signed root the keystore or the system already trusts (or one that is pinned).
        foreach (var certificate in keystore)
        {
            (CertificateFacts.IsSelfSigned(certificate) ? anchors : material).Add(certificate);
        }
        anchors.AddRange(system.Roots);
        material.AddRange(system.Intermediates);
        foreach (var certificate in incoming)
        {
            if (_policy != TrustPolicy.ChainToTrusted && CertificateFacts.IsSelfSigned(certificate) && IsPinned(certificate))
            {
                anchors.Add(certificate);
            }
            else
            {
                material.Add(certificate);
                if (CertificateFacts.IsSelfSigned(certificate))
                {
                    incomingRoots.Add(certificate);
                }
            }
        }
        var known = anchors.Cast<X509Certificate2>().Concat(material.Cast<X509Certificate2>())
            .Select(CertificateFacts.Sha256Fingerprint).ToHashSet(StringComparer.Ordinal);
        // Every family judges: the store's own consumers are not known here, and the strictest decides.
        return new Classified(anchors, material, known, incomingRoots, TrustAnchors.FromCertificates(AnchorSetName, anchors.Cast<X509Certificate2>()),
            anchors.Cast<X509Certificate2>().Select(CertificateFacts.Sha256Fingerprint).ToHashSet(StringComparer.Ordinal));
    }

    public static string NormalizeFingerprint(string fingerprint) =>
        new string(fingerprint.Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();

    public bool IsPinned(X509Certificate2 certificate) => _pinned.Contains(CertificateFacts.Sha256Fingerprint(certificate));

    /// <summary>Whether the certificate may be added, the reason either way, and whether it becomes a new trust anchor.</summary>
    public (bool Allowed, string Reason, bool NewAnchor) Decide(X509Certificate2 certificate)
    {
        var decision = DecidePolicy(certificate);
        if (decision.Allowed && Unfit(certificate) is { } unfit)
        {
            return (false, $"not written, because every entry of a trust store acts as a trust anchor and clients check nothing above an anchor (no-weakening rule): {unfit}", false);
        }
        return decision;
    }

    /// <summary>
    /// The no-weakening rule (<see cref="AnchorFitness"/>) over the certificate's own path and
    /// every path through it from an incoming certificate (the paths the merge heals: a
    /// path-length or name-constraint violation shows only below the CA that allows it).
    /// </summary>
    private string? Unfit(X509Certificate2 certificate)
    {
        if (AnchorFitness.Unfit(certificate, Evaluate(certificate), _now) is { } own)
        {
            return own;
        }
        // Only the incoming paths that pass through this certificate can show a violation below it;
        // an index of them (built once) replaces a scan of every incoming path per certificate,
        // which made a 10,000-certificate merge quadratic (100 million path lookups).
        foreach (var verdict in _throughPaths.Value.GetValueOrDefault(CertificateFacts.Sha256Fingerprint(certificate)) ?? [])
        {
            if (AnchorFitness.IndexOf(verdict.Path, certificate) > 0 && AnchorFitness.Unfit(certificate, verdict, _now) is { } through)
            {
                return through;
            }
        }
        return null;
    }

    /// <summary>
    /// Per fingerprint, the verdicts of the other incoming certificates whose path holds it above
    /// their own place, in incoming order (so the first violation reported is the one a scan finds).
    /// </summary>
    private Dictionary<string, List<TrustVerdict>> IndexThroughPaths()
    {
        var index = new Dictionary<string, List<TrustVerdict>>(StringComparer.Ordinal);
        foreach (var other in _incoming)
        {
            var verdict = Evaluate(other);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 1; i < verdict.Path.Count; i++)
            {
                if (ReferenceEquals(verdict.Path[i], other) || verdict.Path[i].RawDataMemory.Span.SequenceEqual(other.RawDataMemory.Span))
                {
                    continue;
                }
                var fingerprint = CertificateFacts.Sha256Fingerprint(verdict.Path[i]);
                if (seen.Add(fingerprint))
                {
                    if (!index.TryGetValue(fingerprint, out var list))
                    {
                        index[fingerprint] = list = [];
                    }
                    list.Add(verdict);
                }
            }
        }
        return index;
    }

    private (bool Allowed, string Reason, bool NewAnchor) DecidePolicy(X509Certificate2 certificate)
    {
        var fingerprint = CertificateFacts.Sha256Fingerprint(certificate);
        if (_now > certificate.NotAfter.ToUniversalTime())
        {
            return (false, $"expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}; expired certificates are never added", false);
        }
        if (_now < certificate.NotBefore.ToUniversalTime())
        {
            return (false, $"not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd}; not-yet-valid certificates are never added", false);
        }
        var selfSigned = CertificateFacts.IsSelfSigned(certificate);
        var alreadyAnchor = selfSigned && _trustedBefore.Contains(fingerprint);
        if (_policy == TrustPolicy.TrustOnFirstUse)
        {
            if (selfSigned)
            {
                return (true, alreadyAnchor ? "trusted on first use" : $"trusted on first use: new trust anchor with SHA-256 {fingerprint}", !alreadyAnchor);
            }
            // Java trusts every trustedCertEntry as an anchor: a certificate that chains to no root
            // trusted here is itself a new anchor and needs the same consent as a root, unless it
            // chains to an incoming root, whose approval it then follows (IncomingRootOf).
            if (ChainsToAnchor(certificate))
            {
                return (true, "trusted on first use; its chain builds to a trusted root", false);
            }
            return IncomingRootOf(certificate) is { } root
                ? (true, $"trusted on first use, through the new root '{root.Subject}' (SHA-256 {CertificateFacts.Sha256Fingerprint(root)})", false)
                : (true, $"trusted on first use: it chains to no root trusted here, so it becomes a trust anchor itself (SHA-256 {fingerprint})", true);
        }
        if (selfSigned)
        {
            if (alreadyAnchor)
            {
                return (true, "a root this machine or keystore already trusts", false);
            }
            if (_policy == TrustPolicy.Pinned && IsPinned(certificate))
            {
                return (true, $"pinned: its SHA-256 {fingerprint} is among the trusted fingerprints given", true);
            }
            return (false, _policy == TrustPolicy.Pinned
                ? $"a self-signed certificate whose SHA-256 {fingerprint} is not among the trusted fingerprints given"
                : $"a self-signed certificate nobody here trusts yet (SHA-256 {fingerprint}); the ChainToTrusted policy never adds a new root; check the fingerprint with the server's owner, then {Words.Render(new Remedy { Kind = RemedyKind.PinFingerprint, Fingerprint = fingerprint })}", false);
        }
        if (ChainsToAnchor(certificate))
        {
            return (true, "its chain builds to a trusted root", false);
        }
        return (false, $"its chain does not build to a root this machine or keystore trusts (issuer '{certificate.Issuer}'); add the issuing chain, or {Words.Render(new Remedy { Kind = RemedyKind.PinnedPolicy })}", false);
    }

    /// <summary>
    /// The incoming self-signed root (not trusted yet, not pinned) that <paramref name="certificate"/>
    /// chains to when it chains to no trusted root: it may go in only if that root is approved.
    /// </summary>
    public X509Certificate2? IncomingRootOf(X509Certificate2 certificate)
    {
        if (CertificateFacts.IsSelfSigned(certificate) || _classified.Value.IncomingRoots.Count == 0 || ChainsToAnchor(certificate))
        {
            return null;
        }
        // The verdict's path already holds the answer: the incoming roots are path material there,
        // so a path that reaches none of the trusted anchors ends at the incoming root it leans on.
        // Reading it from there keeps the plan to one chain build per certificate.
        var top = Evaluate(certificate).Top;
        if (top is null || ReferenceEquals(top, certificate) || !Evaluate(certificate).Path.All(e =>
                _classified.Value.Known.Contains(CertificateFacts.Sha256Fingerprint(e)) || e.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)))
        {
            return null;
        }
        return _classified.Value.IncomingRoots.Cast<X509Certificate2>().FirstOrDefault(r => r.RawDataMemory.Span.SequenceEqual(top.RawDataMemory.Span));
    }

    /// <summary>
    /// Whether the certificate's path, from our material alone, ends at a self-signed root trusted
    /// here: .NET's anchor rule, the strictest (PathRules reports IncompleteChain or UntrustedRoot
    /// for .NET otherwise). Path problems are the no-weakening rule's, not this question's.
    /// </summary>
    private bool ChainsToAnchor(X509Certificate2 certificate) =>
        _classified.Value.Anchors.Count > 0 && !Evaluate(certificate).ProblemsFor(ClientFamily.DotNet)
            .Any(p => p.Check is VerdictCheck.IncompleteChain or VerdictCheck.UntrustedRoot);

    private TrustVerdict Evaluate(X509Certificate2 certificate) =>
        _verdicts.GetOrAdd(CertificateFacts.Sha256Fingerprint(certificate), _ => CertificateFacts.IsSelfSigned(certificate)
            // A root's path is itself: judged against itself alone, not against every anchor and
            // all the material (a chain build over thousands of roots per incoming root made a
            // 100-into-2,000 merge ten times slower). Trusted or not, as the full set says.
            ? EvaluateRoot(certificate, TrustAnchors.FromCertificates(AnchorSetName, IsAnchorRoot(certificate) ? [certificate] : []))
            : ChainTrustEvaluator.Evaluate([certificate], _classified.Value.Trusted, _now, _classified.Value.Material.Cast<X509Certificate2>()));

    private TrustVerdict EvaluateRoot(X509Certificate2 root, TrustAnchors anchors) =>
        LoneRootVerdict.TryJudge(root, anchors, _now) ?? ChainTrustEvaluator.Evaluate([root], anchors, _now);

    private const string AnchorSetName = "trust policy";

    /// <summary>
    /// Whether a self-signed certificate is among the anchors <see cref="Classify"/> would gather,
    /// answered without classifying: an entry or system root with its fingerprint is the same
    /// certificate, so self-signed too, and an incoming one is an anchor when it is pinned. Sorting
    /// every store entry by a signature check only to answer this cost a 10,000-into-10,000 merge of
    /// roots a sixth of its time.
    /// </summary>
    private bool IsAnchorRoot(X509Certificate2 certificate) =>
        _trustedBefore.Contains(CertificateFacts.Sha256Fingerprint(certificate)) || (_policy != TrustPolicy.ChainToTrusted && IsPinned(certificate));
}
