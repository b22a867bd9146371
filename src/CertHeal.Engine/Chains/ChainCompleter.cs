using System.Security.Cryptography.X509Certificates;
using CertHeal.Trust;

namespace CertHeal.Chains;

/// <summary>
/// Walks from the leaf to a root: issuers come from what the server sent, then the trust
/// anchors (keystore or system), then AIA caIssuers URLs. Bounded: at most
/// <see cref="MaxFetches"/> AIA fetches and <see cref="MaxPathLength"/> certificates, no URL or
/// certificate twice. Local sources go first so no network is used when none is needed.
/// </summary>
internal static class ChainCompleter
{
    public const int MaxFetches = 10;
    public const int MaxPathLength = 12;
    public const int MaxPresented = 64;

    public static async Task<ChainCompletion> CompleteAsync(IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors,
        AiaFetcher? aia, DateTime nowUtc, CancellationToken cancellationToken)
    {
        var completion = new ChainCompletion();
        if (presented.Count == 0)
        {
            return completion;
        }
        var sent = presented.Take(MaxPresented).ToList();
        var leaf = sent[0];
        var path = completion.Path;
        path.Add(leaf);
        var visitedUrls = new HashSet<string>(StringComparer.Ordinal);
        var extra = new List<(X509Certificate2 Certificate, CertificateSource Source)>();
        var anchorSource = anchors.IsSystem ? CertificateSource.System : CertificateSource.Keystore;

        while (path.Count < MaxPathLength)
        {
            var current = path[^1];
            if (CertificateFacts.IsSelfSigned(current))
            {
                completion.ReachesRoot = true;
                break;
            }
            if (anchors.Contains(current) && !ReferenceEquals(current, leaf))
            {
                break;
            }
            var onPath = new Func<X509Certificate2, bool>(c => path.Any(p => Same(p, c)));
            var issuer = PickIssuer(current, sent.Where(c => !onPath(c)), nowUtc);
            var source = CertificateSource.Presented;
            if (issuer is null)
            {
                issuer = PickIssuer(current, anchors.Roots.Cast<X509Certificate2>().Concat(anchors.Intermediates.Cast<X509Certificate2>()).Where(c => !onPath(c)), nowUtc);
                source = anchorSource;
            }
            if (issuer is null && aia is not null)
            {
                var candidates = new List<X509Certificate2>();
                foreach (var url in CertificateFacts.CaIssuersUrls(current))
                {
                    if (completion.AiaFetches >= MaxFetches)
                    {
                        completion.AiaProblems.Add($"the limit of {MaxFetches} AIA fetches per chain was reached");
                        break;
                    }
                    if (!visitedUrls.Add(url))
                    {
                        continue;
                    }
                    completion.AiaFetches++;
                    var fetch = await aia.FetchAsync(url, cancellationToken).ConfigureAwait(false);
                    if (fetch.Error is not null)
                    {
                        completion.AiaProblems.Add(fetch.Error);
                    }
                    candidates.AddRange(fetch.Certificates);
                }
                issuer = PickIssuer(current, candidates.Where(c => !onPath(c)), nowUtc);
                source = CertificateSource.Aia;
            }
            if (issuer is null)
            {
                break;
            }
            path.Add(issuer);
            if (source != CertificateSource.Presented)
            {
                extra.Add((issuer, source));
            }
        }
        if (path.Count >= MaxPathLength)
        {
            completion.AiaProblems.Add($"the path was cut at {MaxPathLength} certificates");
        }
        completion.ReachesTrustedRoot = path.Any(anchors.Contains) || (path.Count == 1 && anchors.Contains(leaf));

        // Presented certificates as sent, each flagged if it is a duplicate or off the path.
        for (var i = 0; i < sent.Count; i++)
        {
            var certificate = sent[i];
            var earlier = sent.FindIndex(0, i, c => Same(c, certificate));
            if (earlier >= 0)
            {
                completion.Certificates.Add((certificate, CertificateSource.Presented, $"Sent twice: the same certificate is at position {earlier}.", CertificateStatus.Duplicate));
                continue;
            }
            var pathIndex = path.FindIndex(p => Same(p, certificate));
            if (pathIndex < 0)
            {
                completion.Certificates.Add((certificate, CertificateSource.Presented, "Not on the path from the leaf to a root: the server sends a certificate that does not belong to this chain.", CertificateStatus.Unrelated));
                continue;
            }
            // Out of order: a certificate higher up the path was sent before this one.
            var sentEarlierHigher = sent.Take(i).Any(c => path.FindIndex(p => Same(p, c)) > pathIndex);
            var note = sentEarlierHigher ? $"Sent out of order: it is certificate {pathIndex} of the path but a certificate above it was sent first." : null;
            completion.Certificates.Add((certificate, CertificateSource.Presented, note, null));
        }
        foreach (var (certificate, source) in extra)
        {
            completion.Certificates.Add((certificate, source, null, null));
        }
        return completion;
    }

    /// <summary>Of the certificates that signed <paramref name="child"/>, prefer valid ones that outlive it.</summary>
    private static X509Certificate2? PickIssuer(X509Certificate2 child, IEnumerable<X509Certificate2> candidates, DateTime nowUtc) =>
        candidates
            .Where(c => CertificateFacts.IsSignedBy(child, c))
            .OrderByDescending(c => c.NotBefore.ToUniversalTime() <= nowUtc && nowUtc <= c.NotAfter.ToUniversalTime())
            .ThenByDescending(c => c.NotAfter >= child.NotAfter)
            .ThenByDescending(c => c.NotAfter)
            .FirstOrDefault();

    internal static bool Same(X509Certificate2 a, X509Certificate2 b) => a.RawDataMemory.Span.SequenceEqual(b.RawDataMemory.Span);
}
