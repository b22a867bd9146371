using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// Judges a presented chain the way a strict client (Java, curl, OpenSSL) would: no AIA
/// downloads, no help from the user's CA cache, anchors only from the given set.
/// </summary>
internal static class ChainTrustEvaluator
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    /// <param name="clientCertificate">True to judge a client certificate's chain (clientAuth usage) instead of a server's.</param>
    public static TrustVerdict Evaluate(IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors, DateTime nowUtc,
        IEnumerable<X509Certificate2>? extraIntermediates = null, bool clientCertificate = false)
    {
        if (presented.Count == 0)
        {
            return new TrustVerdict(HandshakeFailure.Other, "the server sent no certificate", []);
        }
        using var chain = new X509Chain();
        Configure(chain.ChainPolicy, anchors, nowUtc);
        chain.ChainPolicy.ExtraStore.AddRange(presented.Skip(1).ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(anchors.Intermediates);
        foreach (var extra in extraIntermediates ?? [])
        {
            chain.ChainPolicy.ExtraStore.Add(extra);
        }
        // The path and its statuses decide (PathRules), not Build's summary boolean.
        chain.Build(presented[0]);
        VerdictCounter.Judged();
        return Judge(chain, presented, anchors, nowUtc, extraIntermediates, clientCertificate);
    }

    /// <summary>
    /// The policy every verdict is built under: anchors only from the set, no downloads, no
    /// revocation, time judged per certificate later. The probe gives SslStream this policy too
    /// (with the set's intermediates in ExtraStore), so that its chain build is the verdict's.
    /// </summary>
    public static void Configure(X509ChainPolicy policy, TrustAnchors anchors, DateTime nowUtc)
    {
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(anchors.Roots);
        policy.DisableCertificateDownloads = true;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.VerificationTime = nowUtc;
        // Time is judged below per certificate, so the path verdict is about the path only.
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
    }

    /// <summary>
    /// The verdict from SslStream's own chain build in the validation callback, when it ran under
    /// <see cref="Configure"/>'s policy; null when it did not, and the caller builds the chain
    /// itself. SslStream adds the server-authentication usage to the policy: the verdict does not
    /// judge usage, so a chain where that usage check failed is built again without it.
    /// </summary>
    public static TrustVerdict? FromHandshakeChain(X509Chain chain, IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors, DateTime nowUtc)
    {
        var policy = chain.ChainPolicy;
        if (presented.Count == 0 || chain.ChainElements.Count == 0 || policy.TrustMode != X509ChainTrustMode.CustomRootTrust
            || policy.ApplicationPolicy.Cast<System.Security.Cryptography.Oid>().Any(oid => oid.Value != ServerAuth) || policy.CertificatePolicy.Count > 0
            || policy.VerificationFlags != (X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid)
            || !policy.DisableCertificateDownloads || policy.RevocationMode != X509RevocationMode.NoCheck
            || !chain.ChainElements[0].Certificate.RawDataMemory.Span.SequenceEqual(presented[0].RawDataMemory.Span)
            || chain.ChainElements.Any(e => e.ChainElementStatus.Any(status => status.Status == X509ChainStatusFlags.NotValidForUsage)))
        {
            return null;
        }
        return Judge(chain, presented, anchors, nowUtc, null, false);
    }

    private static TrustVerdict Judge(X509Chain chain, IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors, DateTime nowUtc,
        IEnumerable<X509Certificate2>? extraIntermediates, bool clientCertificate)
    {
        var leaf = presented[0];

        // The path is told in the caller's own certificate objects (the chain's die with it);
        // parsing a copy of each element cost as much as the build itself. An element that
        // neither the server sent nor the anchors hold came from a local cache (on Linux, the CA
        // store AIA downloads fill): strict clients do not have it, so the path stops before it.
        var known = presented.Concat(anchors.Roots.Cast<X509Certificate2>()).Concat(anchors.Intermediates.Cast<X509Certificate2>())
            .Concat(extraIntermediates ?? []).ToList();
        var path = new List<X509Certificate2>(chain.ChainElements.Count);
        var statuses = new List<X509ChainStatusFlags>(chain.ChainElements.Count);
        var complete = true;
        foreach (var element in chain.ChainElements)
        {
            var raw = element.Certificate.RawDataMemory;
            var own = known.Find(k => k.RawDataMemory.Span.SequenceEqual(raw.Span));
            if (own is null && path.Count > 0)
            {
                complete = false;
                break;
            }
            path.Add(own ?? new X509Certificate2(raw.Span));
            var flags = X509ChainStatusFlags.NoError;
            foreach (var status in element.ChainElementStatus)
            {
                flags |= status.Status;
            }
            statuses.Add(flags);
        }
        if (path.Count == 0)
        {
            path.Add(leaf);
            statuses.Add(X509ChainStatusFlags.NoError);
        }

        return FromPath(path, statuses, anchors, nowUtc, complete, clientCertificate);
    }

    /// <summary>The verdict on a path and the platform's status flags per element: the path rules, and the first problem a consumer family rejects for.</summary>
    internal static TrustVerdict FromPath(IReadOnlyList<X509Certificate2> path, IReadOnlyList<X509ChainStatusFlags> statuses, TrustAnchors anchors,
        DateTime nowUtc, bool complete, bool clientCertificate)
    {
        var problems = PathRules.Judge(path, statuses, anchors, nowUtc, complete, clientCertificate);
        var decisive = problems.FirstOrDefault(p => p.Families.Any(anchors.Consumers.Contains));
        return decisive is null
            ? new TrustVerdict(HandshakeFailure.None, "", path) { Problems = problems }
            : new TrustVerdict(decisive.Failure, decisive.Reason, path) { Problems = problems };
    }

    /// <summary>
    /// The verdict with the path's revocation answers applied, still one verdict: a revoked
    /// certificate becomes the first problem (every family rejects a revoked certificate it
    /// learns of, so Revoked precedes every other failure), then, under hard-fail, a status that
    /// could not be learned (RevocationUnknown). The overall Failure is recomputed as in
    /// <see cref="Judge"/>: the first problem a consumer family rejects for.
    /// </summary>
    public static TrustVerdict WithRevocation(TrustVerdict verdict, IReadOnlyList<Revocation.CertificateRevocation> revocation, RevocationCheckMode mode,
        TrustAnchors anchors)
    {
        var first = new List<PathProblem>();
        for (var i = 0; i < revocation.Count && i < verdict.Path.Count; i++)
        {
            if (revocation[i].Status == RevocationStatus.Revoked)
            {
                first.Add(new PathProblem(HandshakeFailure.Revoked, VerdictCheck.Revocation, revocation[i].Detail, TrustAnchors.AllFamilies));
            }
        }
        if (mode == RevocationCheckMode.HardFail)
        {
            for (var i = 0; i < revocation.Count && i < verdict.Path.Count; i++)
            {
                if (revocation[i].Status == RevocationStatus.Unknown)
                {
                    first.Add(new PathProblem(HandshakeFailure.RevocationUnknown, VerdictCheck.Revocation,
                        revocation[i].Detail + " (revocation checking is hard-fail)", TrustAnchors.AllFamilies));
                }
            }
        }
        var problems = first.Concat(verdict.Problems).ToList();
        var decisive = problems.FirstOrDefault(p => p.Families.Any(anchors.Consumers.Contains));
        return decisive is null
            ? verdict with { Failure = HandshakeFailure.None, Detail = "", Problems = problems, Revocation = revocation }
            : verdict with { Failure = decisive.Failure, Detail = decisive.Reason, Problems = problems, Revocation = revocation };
    }
}
